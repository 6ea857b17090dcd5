package io.kvorum.transport;

import io.kvorum.core.Checks;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a node keeps of a client user's password: a salt, a PBKDF2 iteration count and the
 * StoredKey of {@link Scram}. Enough to check a proof, not enough to make one, so a leaked users
 * file lets nobody log in; it only allows guessing passwords offline at the cost of the
 * iterations per guess.
 *
 * <p>The bounds: at least {@link #MIN_ITERATIONS} (RFC 7677's floor for SCRAM-SHA-256) and at most
 * {@link #MAX_ITERATIONS}, which a client also enforces on what a server asks of it, so a rogue
 * server cannot make a client spin for minutes; salts of 16 to 64 bytes; a 32-byte StoredKey.
 * Immutable.
 */
public final class StoredCredential {
    public static final int MIN_ITERATIONS = 4096;
    /** About ten seconds of one core: far beyond any sensible setting. */
    public static final int MAX_ITERATIONS = 10_000_000;
    /**
     * Costs a client about 0.1 to 0.3 s of one core, once per process (the derived key is cached):
     * well above SCRAM's usual 4096, below OWASP's 600,000 for stored hashes, which would cost the
     * command-line tools (whose JVM runs with C1 only) almost two seconds per invocation. Raise it per user with
     * {@code kvorum-admin hash-password --iterations}; clients take the count from the server.
     */
    public static final int DEFAULT_ITERATIONS = 100_000;
    public static final int SALT_BYTES = 16;
    static final int MAX_SALT_BYTES = 64;

    private final byte[] salt;
    private final int iterations;
    private final byte[] storedKey;

    /** @throws IllegalArgumentException for a salt, count or key outside the bounds above */
    public StoredCredential(byte[] salt, int iterations, byte[] storedKey) {
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        checkSalt(salt);
        checkIterations(iterations);
        Checks.require(storedKey.length == Scram.KEY_BYTES, "stored key", storedKey.length + " bytes",
                Scram.KEY_BYTES + " bytes");
        this.salt = salt.clone();
        this.iterations = iterations;
        this.storedKey = storedKey.clone();
    }

    /** The credential of {@code password} with a fresh random salt. */
    public static StoredCredential create(String password, int iterations, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return derive(password, salt, iterations);
    }

    /** The credential of {@code password} with the given salt; runs PBKDF2. */
    public static StoredCredential derive(String password, byte[] salt, int iterations) {
        Checks.require(password != null && !password.isEmpty(), "password", "\"\"", "non-empty");
        checkSalt(salt);
        checkIterations(iterations);
        return new StoredCredential(salt, iterations, Scram.storedKey(Scram.clientKey(password, salt, iterations)));
    }

    static void checkIterations(int iterations) {
        Checks.require(iterations >= MIN_ITERATIONS && iterations <= MAX_ITERATIONS, "PBKDF2 iterations", iterations,
                MIN_ITERATIONS + ".." + MAX_ITERATIONS);
    }

    static void checkSalt(byte[] salt) {
        Checks.require(salt != null && salt.length >= SALT_BYTES && salt.length <= MAX_SALT_BYTES, "salt",
                salt == null ? "none" : salt.length + " bytes", SALT_BYTES + ".." + MAX_SALT_BYTES + " bytes");
    }

    public byte[] salt() {
        return salt.clone();
    }

    public int iterations() {
        return iterations;
    }

    public byte[] storedKey() {
        return storedKey.clone();
    }

    byte[] storedKeyUnsafe() {
        return storedKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredCredential c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && Arrays.equals(storedKey, c.storedKey);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(salt) + iterations) + Arrays.hashCode(storedKey);
    }

    /** Without the key: log lines have no business holding it. */
    @Override
    public String toString() {
        return "StoredCredential{scram-sha-256, " + iterations + " iterations}";
    }
}
