package io.kvorum.node;

import io.kvorum.core.ClientRole;
import io.kvorum.transport.ClientUser;
import io.kvorum.transport.StoredCredential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The users a node's client port accepts ({@code client.users_file}), read once at start: one
 * {@link ClientUser} line each, as {@code kvorum-admin hash-password} prints them; blank lines are
 * skipped and {@code #} starts a comment (no field of a line can hold one).
 *
 * <p>Every problem stops the node with one line naming the file and the line number: a node that
 * silently skipped a bad line would lock that user out, or, with every line bad, start with no
 * users at all. For the same reason a file that names nobody is refused rather than read as "no
 * authentication".
 */
final class UsersFile {
    private final Path path;
    private final Map<String, ClientUser> users;

    private UsersFile(Path path, Map<String, ClientUser> users) {
        this.path = path;
        this.users = Map.copyOf(users);
    }

    /** @throws IllegalArgumentException naming the setting, the file and, for a bad line, its number */
    static UsersFile load(Path file) {
        Path path = file.toAbsolutePath();
        String where = NodeSettings.CLIENT_USERS_FILE.key() + " " + path;
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(where + " does not exist (expected: a file of lines made by"
                    + " kvorum-admin hash-password, or an empty setting for no authentication)");
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " cannot be read: " + e, e);
        }
        Map<String, ClientUser> users = new LinkedHashMap<>();
        Map<String, Integer> definedOn = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String content = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (content.isEmpty()) {
                continue;
            }
            int number = i + 1;
            ClientUser user;
            try {
                user = ClientUser.parse(content);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " line " + number + ": " + e.getMessage(), e);
            }
            Integer earlier = definedOn.putIfAbsent(user.name(), number);
            if (earlier != null) {
                throw new IllegalArgumentException(where + " line " + number + ": user '" + user.name()
                        + "' is already defined on line " + earlier + " (expected: one line per user)");
            }
            users.put(user.name(), user);
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException(where + " names no users, so no client could connect (expected: at"
                    + " least one line made by kvorum-admin hash-password, or an empty setting for no authentication)");
        }
        return new UsersFile(path, users);
    }

    Path path() {
        return path;
    }

    /** What the client server checks proofs against. */
    Map<String, StoredCredential> credentials() {
        Map<String, StoredCredential> m = new LinkedHashMap<>();
        users.forEach((name, user) -> m.put(name, user.credential()));
        return m;
    }

    /** What the client service authorizes requests by. */
    Map<String, ClientRole> roles() {
        Map<String, ClientRole> m = new LinkedHashMap<>();
        users.forEach((name, user) -> m.put(name, user.role()));
        return m;
    }

    int count(ClientRole role) {
        return (int) users.values().stream().filter(u -> u.role() == role).count();
    }
}
