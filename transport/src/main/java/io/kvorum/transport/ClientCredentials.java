package io.kvorum.transport;

import io.kvorum.core.Checks;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's user and password, and the keys derived from them, for the {@link Scram} handshake.
 *
 * <p>Deriving the ClientKey runs PBKDF2, a tenth of a second or more by design; this object does it
 * once per salt and iteration count and keeps the result, so reconnects, and the connections of
 * one client to every node (which share one instance), prove at the cost of two HMACs. The work
 * runs off the caller's thread (a client's event loop must not stall for it) and concurrent
 * handshakes wait for the same derivation. At most {@link #MAX_CACHED} keys are kept: a cluster
 * gives a user one salt, and a server handing out new salts must not grow the cache without bound.
 * Thread-safe.
 */
public final class ClientCredentials {
    static final int MAX_CACHED = 8;

    private final String user;
    private final String password;
    private final Map<Challenge, CompletableFuture<byte[]>> keys = new ConcurrentHashMap<>();
    private final AtomicInteger derivations = new AtomicInteger();

    private record Challenge(String salt, int iterations) {
    }

    public ClientCredentials(String user, String password) {
        Checks.require(user != null && !user.isEmpty(), "user", user, "a non-empty name");
        Checks.require(password != null && !password.isEmpty(), "password", "\"\"", "non-empty");
        this.user = user;
        this.password = password;
    }

    public String user() {
        return user;
    }

    /**
     * The ClientKey for this salt and count, from the cache or derived on a pooled thread.
     *
     * @throws IllegalArgumentException when the server asks for a salt or count out of bounds
     */
    CompletableFuture<byte[]> clientKey(byte[] salt, int iterations) {
        StoredCredential.checkSalt(salt);
        StoredCredential.checkIterations(iterations);
        Challenge c = new Challenge(Arrays.toString(salt), iterations);
        CompletableFuture<byte[]> key = keys.get(c);
        if (key != null) {
            return key;
        }
        if (keys.size() >= MAX_CACHED) {
            keys.clear();
        }
        byte[] saltCopy = salt.clone();
        key = keys.computeIfAbsent(c, k -> CompletableFuture.supplyAsync(() -> {
            derivations.incrementAndGet();
            return Scram.clientKey(password, saltCopy, iterations);
        }));
        key.whenComplete((k, e) -> {
            if (e != null) {
                keys.remove(c);
            }
        });
        return key;
    }

    /** How often PBKDF2 ran; for tests of the cache. */
    int derivations() {
        return derivations.get();
    }

    @Override
    public String toString() {
        return "ClientCredentials{" + user + "}";
    }
}
