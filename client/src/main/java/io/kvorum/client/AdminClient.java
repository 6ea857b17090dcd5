package io.kvorum.client;

import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.UnauthorizedException;
import io.kvorum.core.protocol.AdminMessages.AdminResponse;
import io.kvorum.core.protocol.AdminMessages.CleanupRequest;
import io.kvorum.core.protocol.AdminMessages.DecommissionRequest;
import io.kvorum.core.protocol.AdminMessages.HintsRequest;
import io.kvorum.core.protocol.AdminMessages.HintsResponse;
import io.kvorum.core.protocol.AdminMessages.RemoveNodeRequest;
import io.kvorum.core.protocol.AdminMessages.StatusRequest;
import io.kvorum.core.protocol.AdminMessages.StatusResponse;
import io.kvorum.core.protocol.ClientMessages;
import io.kvorum.core.protocol.RingRequest;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.transport.TlsConfig;
import io.kvorum.transport.WireClient;
import java.time.Duration;

/**
 * An operator's connection to one node: its view of the cluster, and the ring changes run there.
 * Unlike {@link KvorumClient} it does not route: a decommission applies to the node it talks to.
 */
public final class AdminClient implements AutoCloseable {
    private final WireClient wire;
    private final String host;

    private AdminClient(WireClient wire, String host) {
        this.wire = wire;
        this.host = host;
    }

    /**
     * Connects to the node at {@code host:port} without credentials.
     *
     * @throws PeerUnavailableException naming the address when the node cannot be reached
     * @throws UnauthorizedException when the node requires credentials
     */
    public static AdminClient connect(String hostPort, Duration connectTimeout) {
        return connect(hostPort, connectTimeout, null, null, null);
    }

    /**
     * Connects to the node at {@code host:port} over TLS when {@code tls} is not null, for a node
     * with {@code client.tls.enabled}.
     *
     * @throws PeerUnavailableException naming the address when the node cannot be reached
     */
    public static AdminClient connect(String hostPort, Duration connectTimeout, TlsConfig tls) {
        return connect(hostPort, connectTimeout, null, null, tls);
    }

    /**
     * Connects to the node at {@code host:port} as {@code user} (null: without credentials). Most
     * operations need a user of role admin; status and ring changes refused to a data user fail
     * with {@link UnauthorizedException}.
     *
     * @throws PeerUnavailableException naming the address when the node cannot be reached
     * @throws UnauthorizedException when the node refuses the credentials
     */
    public static AdminClient connect(String hostPort, Duration connectTimeout, String user, String password) {
        return connect(hostPort, connectTimeout, user, password, null);
    }

    /** As {@link #connect(String, Duration, String, String)}, over TLS when {@code tls} is not null. */
    public static AdminClient connect(String hostPort, Duration connectTimeout, String user, String password,
                                      TlsConfig tls) {
        Address address = Address.parse(hostPort);
        WireClient.Builder b = WireClient.builder(address.socketAddress(), ClientMessages.types())
                .clientName("kvorum-admin").connectTimeoutMs(connectTimeout.toMillis());
        if (user != null) {
            b.credentials(user, password);
        }
        if (tls != null) {
            b.tls(tls);
        }
        AdminClient client = new AdminClient(b.build(), hostPort);
        try {
            // The ring is open to every role: this checks the node is there and takes the credentials.
            client.ring(connectTimeout.plusSeconds(1));
        } catch (UnauthorizedException e) {
            client.close();
            throw e;
        } catch (RuntimeException e) {
            client.close();
            throw new PeerUnavailableException("cannot reach a Kvorum node at " + hostPort + ": "
                    + Router.firstLine(e));
        }
        return client;
    }

    public String host() {
        return host;
    }

    public StatusResponse status(Duration timeout) {
        return Router.join(wire.request(new StatusRequest(), StatusResponse.class, timeout.toMillis()));
    }

    public RingResponse ring(Duration timeout) {
        return Router.join(wire.request(new RingRequest(), RingResponse.class, timeout.toMillis()));
    }

    /** Decommissions the node this client talks to; returns once its ranges are on their new replicas. */
    public String decommission(Duration timeout) {
        return Router.join(wire.request(new DecommissionRequest(), AdminResponse.class, timeout.toMillis())).message();
    }

    /** Removes the dead member {@code node}, run by the node this client talks to. */
    public String removeNode(NodeId node, Duration timeout) {
        return Router.join(wire.request(new RemoveNodeRequest(node.value()), AdminResponse.class, timeout.toMillis()))
                .message();
    }

    /**
     * Exactly what {@code replica} stores of {@code key}, read there through the node this client
     * talks to: no quorum, no read repair (as {@link KvorumClient#getFromReplica}).
     */
    public GetResult getFromReplica(String key, NodeId replica, Duration timeout) {
        io.kvorum.core.Key k = io.kvorum.core.Key.of(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return GetResult.of(k, Router.join(wire.request(new io.kvorum.core.protocol.AdminMessages.ReplicaReadRequest(
                k.toByteArray(), replica.value(), timeout.toMillis()), io.kvorum.core.protocol.GetResponse.class,
                timeout.toMillis())).records());
    }

    /**
     * The hints the node this client talks to holds per target, after {@code action} ({@code list},
     * {@code pause}, {@code resume} or {@code truncate}) on {@code target}'s (ignored for list).
     */
    public HintsResponse hints(String action, NodeId target, Duration timeout) {
        return Router.join(wire.request(new HintsRequest(action, target == null ? 0 : target.value()),
                HintsResponse.class, timeout.toMillis()));
    }

    /** Drops, on the node this client talks to, the data of ranges it no longer replicates. */
    public String cleanup(Duration timeout) {
        return Router.join(wire.request(new CleanupRequest(), AdminResponse.class, timeout.toMillis())).message();
    }

    @Override
    public void close() {
        wire.close();
    }
}
