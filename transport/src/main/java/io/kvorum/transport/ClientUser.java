package io.kvorum.transport;

import io.kvorum.core.Checks;
import io.kvorum.core.ClientRole;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One line of a node's users file: a user, its role and its {@link StoredCredential}.
 *
 * <pre>
 * user:role:scram-sha-256:iterations:base64(salt):base64(storedKey)
 * alice:admin:scram-sha-256:100000:6Zw7...==:q3J1...=
 * </pre>
 * The scheme field names how the rest is to be read, so another scheme can be added without
 * guessing from the shape of a line. Names are 1 to 64 of {@code A-Z a-z 0-9 . _ @ -}: nothing that
 * could split a line or be mistaken for a comment. {@code kvorum-admin hash-password} writes lines.
 */
public record ClientUser(String name, ClientRole role, StoredCredential credential) {
    public static final String SCHEME = "scram-sha-256";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    public ClientUser {
        checkName(name);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(credential, "credential");
    }

    /** @throws IllegalArgumentException showing the name and the characters a name may have */
    public static void checkName(String name) {
        Checks.require(name != null && NAME.matcher(name).matches(), "user name", name == null ? null : "'" + name + "'",
                "1 to 64 of A-Z a-z 0-9 . _ @ -");
    }

    public String toLine() {
        Base64.Encoder b64 = Base64.getEncoder();
        return name + ":" + role.label() + ":" + SCHEME + ":" + credential.iterations() + ":"
                + b64.encodeToString(credential.salt()) + ":" + b64.encodeToString(credential.storedKey());
    }

    /**
     * Reads one line as {@link #toLine} writes it.
     *
     * @throws IllegalArgumentException naming the field that is wrong, never showing the key
     */
    public static ClientUser parse(String line) {
        String[] f = line.strip().split(":", -1);
        if (f.length != 6) {
            throw new IllegalArgumentException(f.length + " fields (expected: 6, user:role:" + SCHEME
                    + ":iterations:salt:storedkey, as kvorum-admin hash-password prints them)");
        }
        checkName(f[0]);
        ClientRole role = ClientRole.parse(f[1]);
        if (!f[2].equals(SCHEME)) {
            throw new IllegalArgumentException("scheme '" + f[2] + "' (expected: " + SCHEME + ")");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(f[3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations '" + f[3] + "' (expected: a whole number)");
        }
        byte[] salt = base64(f[4], "salt");
        byte[] storedKey = base64(f[5], "stored key");
        return new ClientUser(f[0], role, new StoredCredential(salt, iterations, storedKey));
    }

    private static byte[] base64(String text, String field) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not base64 (" + e.getMessage() + ")");
        }
    }
}
