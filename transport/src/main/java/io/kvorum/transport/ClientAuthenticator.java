package io.kvorum.transport;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The server's side of the client handshake: the challenge for a named user and the check of its
 * {@link Scram} proof, against {@link StoredCredential}s only.
 *
 * <p>Why a second round trip for the challenge rather than a salt derived from the user name, which
 * would let the client prove in its first frame: a derived salt is the same for "admin" in every
 * Kvorum cluster, so one precomputed dictionary would crack every leaked users file at once, and
 * the iteration count could never change without changing every client. A random salt per user, sent
 * once the client names its user (as SCRAM does), costs one round trip per connection; connections
 * are long-lived and pooled, so that is paid once per node per client, not per request.
 *
 * <p>An unknown user gets a decoy challenge, so the answer does not reveal which users exist: a salt
 * that is a keyed hash of the name (the same name, the same salt, on every node with the same users
 * file and across restarts, as a real user's is) and the default count. Its proof is then checked
 * against a random key that no proof matches, so both paths do the same work. Immutable,
 * thread-safe.
 */
final class ClientAuthenticator {
    private static final byte[] DECOY_LABEL = "kvorum-decoy-salt-v1".getBytes(StandardCharsets.UTF_8);

    private final Map<String, StoredCredential> users;
    private final byte[] decoyKey;
    private final byte[] decoyStoredKey = new byte[Scram.KEY_BYTES];

    ClientAuthenticator(Map<String, StoredCredential> users) {
        this.users = Map.copyOf(users);
        // Keyed by what only holders of the users file know, so outsiders cannot tell decoy salts from real ones.
        byte[] material = DECOY_LABEL;
        for (StoredCredential c : new TreeMap<>(users).values()) {
            material = Scram.hmac(c.storedKeyUnsafe(), material);
        }
        this.decoyKey = material;
        new SecureRandom().nextBytes(decoyStoredKey);
    }

    /** False when the server has no users: it then accepts every client. */
    boolean required() {
        return !users.isEmpty();
    }

    int users() {
        return users.size();
    }

    boolean knows(String user) {
        return users.containsKey(user);
    }

    AuthChallenge challenge(String user) {
        StoredCredential c = users.get(user);
        if (c != null) {
            return new AuthChallenge(c.salt(), c.iterations());
        }
        byte[] salt = Arrays.copyOf(Scram.hmac(decoyKey, user.getBytes(StandardCharsets.UTF_8)),
                StoredCredential.SALT_BYTES);
        return new AuthChallenge(salt, StoredCredential.DEFAULT_ITERATIONS);
    }

    /** True when {@code proof} answers {@code challenge}, given with {@code nonce} to {@code clientName} as {@code user}. */
    boolean verify(String user, String clientName, byte[] nonce, AuthChallenge challenge, byte[] proof) {
        StoredCredential c = users.get(user);
        byte[] authMessage = Scram.authMessage(nonce, clientName, user, challenge.salt(), challenge.iterations());
        return Scram.verify(c == null ? decoyStoredKey : c.storedKeyUnsafe(), authMessage, proof);
    }
}
