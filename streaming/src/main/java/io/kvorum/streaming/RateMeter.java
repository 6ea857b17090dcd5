package io.kvorum.streaming;

import java.util.Arrays;

/**
 * The recent receiving rate, in fixed memory: bytes counted into buckets of half a second, the rate
 * taken over the last {@value #BUCKETS} of them (five seconds), or over the time since
 * {@link #restart} when that is shorter (but never less than one bucket). Not thread-safe; the session calls it under its lock.
 */
final class RateMeter {
    private static final int BUCKETS = 10;
    private static final long BUCKET_NANOS = 500_000_000L;

    private final long[] bucketIndex = new long[BUCKETS];
    private final long[] bucketBytes = new long[BUCKETS];
    private long startNanos;

    /** Forgets the past: a resumed session's rate starts again. */
    void restart(long nowNanos) {
        startNanos = nowNanos;
        Arrays.fill(bucketIndex, Long.MIN_VALUE);
        Arrays.fill(bucketBytes, 0);
    }

    void record(long nowNanos, long bytes) {
        long index = Math.floorDiv(nowNanos, BUCKET_NANOS);
        int slot = (int) Math.floorMod(index, BUCKETS);
        if (bucketIndex[slot] != index) {
            bucketIndex[slot] = index;
            bucketBytes[slot] = 0;
        }
        bucketBytes[slot] += bytes;
    }

    long bytesPerSecond(long nowNanos) {
        long current = Math.floorDiv(nowNanos, BUCKET_NANOS);
        long sum = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (bucketIndex[i] > current - BUCKETS && bucketIndex[i] <= current) {
                sum += bucketBytes[i];
            }
        }
        // At least one bucket long, so that the first chunk after a start does not read as a spike.
        long windowNanos = Math.max(BUCKET_NANOS, Math.min(BUCKETS * BUCKET_NANOS, nowNanos - startNanos));
        return (long) (sum * 1e9 / windowNanos);
    }
}
