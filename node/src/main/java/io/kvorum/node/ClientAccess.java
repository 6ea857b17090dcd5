package io.kvorum.node;

import io.kvorum.core.ClientRole;
import io.kvorum.core.Message;
import io.kvorum.core.UnauthorizedException;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.RingRequest;
import io.kvorum.core.Settings;
import io.kvorum.transport.StoredCredential;
import io.kvorum.transport.WireServer;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which client requests each user may make, decided per request from the user the handshake
 * authenticated and the role the users file gives it.
 *
 * <p>Reads, writes, deletes (a delete is a put of a tombstone) and the ring need role data; every
 * other request needs admin. The list is of what data may do, not of what it may not: a request
 * added later (repair, hints) is admin-only until someone decides otherwise, rather than open by
 * omission. A node without a users file is open: every client has every role. Immutable.
 */
final class ClientAccess {
    private static final Logger log = LoggerFactory.getLogger(ClientAccess.class);

    private final Map<String, ClientRole> roles;
    private final Map<String, StoredCredential> credentials;

    private ClientAccess(Map<String, ClientRole> roles, Map<String, StoredCredential> credentials) {
        this.roles = roles;
        this.credentials = credentials;
    }

    /** Every client may make every request. */
    static ClientAccess open() {
        return new ClientAccess(null, Map.of());
    }

    static ClientAccess of(Map<String, ClientRole> roles) {
        return new ClientAccess(Map.copyOf(roles), Map.of());
    }

    /**
     * The access {@code client.users_file} gives: its users, or, when the setting is empty, open
     * access, said in one warning line because it is what a production node must not run with.
     *
     * @throws IllegalArgumentException naming the file, and the line, when it cannot be used
     */
    static ClientAccess fromSettings(Settings settings) {
        String file = settings.get(NodeSettings.CLIENT_USERS_FILE);
        if (file.isBlank()) {
            log.warn("{} is empty: the client port accepts every client, and every client may read, write and"
                    + " run admin commands; set it to a file of users (kvorum-admin hash-password) outside a test"
                    + " setup", NodeSettings.CLIENT_USERS_FILE.key());
            return open();
        }
        UsersFile users = UsersFile.load(Path.of(file));
        log.info("Client users from {}: {} admin, {} data", users.path(), users.count(ClientRole.ADMIN),
                users.count(ClientRole.DATA));
        return new ClientAccess(Map.copyOf(users.roles()), Map.copyOf(users.credentials()));
    }

    /** The stored keys the client server checks handshakes against; empty when access is open. */
    Map<String, StoredCredential> credentials() {
        return credentials;
    }

    /** The role {@code request} needs. */
    static ClientRole required(Message request) {
        if (request instanceof GetRequest || request instanceof PutRequest || request instanceof RingRequest) {
            return ClientRole.DATA;
        }
        return ClientRole.ADMIN;
    }

    /** Why {@code client} may not make {@code request}, or null when it may. */
    UnauthorizedException refusal(WireServer.ClientInfo client, Message request) {
        if (roles == null) {
            return null;
        }
        ClientRole needed = required(request);
        String what = request.getClass().getSimpleName();
        ClientRole role = client.user() == null ? null : roles.get(client.user());
        if (role == null) {
            // The client server lets no one through who is not in the file; this is a second lock.
            return new UnauthorizedException("client '" + client.clientName() + "' has no user of this node and may"
                    + " not run " + what);
        }
        if (!role.includes(needed)) {
            return new UnauthorizedException("user '" + client.user() + "' (role " + role.label() + ") may not run "
                    + what + "; it needs role " + needed.label());
        }
        return null;
    }
}
