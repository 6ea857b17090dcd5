package io.kvorum.coordinator;

import io.kvorum.core.Checks;
import io.kvorum.storage.RecordLimits;
import java.util.Objects;

/**
 * What a coordinator is configured with, checked where it enters so a bad value fails at start
 * with the value shown, not at the first request.
 *
 * @param replicationFactor the cluster's N: the most replicas a request may ask for
 * @param limits            key and value sizes a write may have; checked before anything is sent
 * @param maxTimeoutMs      the longest timeout a request may ask for: ring changes wait this long for
 *                          requests begun under the old ring (see {@code ring.change_grace_ms}), so no
 *                          request may outlive it
 * @param keyLockStripes    locks that serialise the writes this node coordinates per key; more stripes
 *                          mean fewer unrelated keys waiting on each other, at one lock object each
 */
public record CoordinatorOptions(int replicationFactor, RecordLimits limits, long maxTimeoutMs, int keyLockStripes) {
    /**
     * Enough that two keys written at once rarely share a stripe on a node's storage threads
     * (dozens), small enough to cost nothing (a few tens of KiB).
     */
    public static final int DEFAULT_KEY_LOCK_STRIPES = 1024;

    /** A bound on the lock array, whose memory is allocated up front. */
    public static final int MAX_KEY_LOCK_STRIPES = 1 << 16;

    public CoordinatorOptions {
        Checks.requirePositive(replicationFactor, "replication factor");
        Objects.requireNonNull(limits, "limits");
        Checks.requirePositive(maxTimeoutMs, "max timeout ms");
        Checks.require(keyLockStripes > 0 && keyLockStripes <= MAX_KEY_LOCK_STRIPES, "key lock stripes",
                keyLockStripes, "1 to " + MAX_KEY_LOCK_STRIPES);
    }

    /** The options with {@link #DEFAULT_KEY_LOCK_STRIPES} stripes. */
    public static CoordinatorOptions of(int replicationFactor, RecordLimits limits, long maxTimeoutMs) {
        return new CoordinatorOptions(replicationFactor, limits, maxTimeoutMs, DEFAULT_KEY_LOCK_STRIPES);
    }
}
