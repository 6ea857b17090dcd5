package io.kvorum.storage.lsm;

import io.kvorum.core.Clock;
import java.util.concurrent.locks.LockSupport;

/**
 * Paces a background writer (compaction) to a byte rate so that it leaves disk bandwidth to
 * foreground reads and writes. A token bucket holding at most one second of credit, so a pause
 * does not turn into a burst afterwards.
 *
 * <p>Used only by the one compaction thread; not thread-safe.
 */
final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long bytesPerSecond;
    private final Clock clock;
    private long availableBytes;
    private long lastRefillNanos;

    /** {@code bytesPerSecond == 0} means unlimited. */
    RateLimiter(long bytesPerSecond, Clock clock) {
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
        this.lastRefillNanos = clock.nanoTime();
        this.availableBytes = bytesPerSecond;
    }

    /** Takes {@code bytes} of credit, parking the thread for as long as the rate requires. */
    void acquire(long bytes) {
        if (bytesPerSecond == 0) {
            return;
        }
        long now = clock.nanoTime();
        long refill = (now - lastRefillNanos) * bytesPerSecond / NANOS_PER_SECOND;
        if (refill > 0) {
            availableBytes = Math.min(bytesPerSecond, availableBytes + refill);
            lastRefillNanos = now;
        }
        availableBytes -= bytes;
        if (availableBytes < 0) {
            long waitNanos = -availableBytes * NANOS_PER_SECOND / bytesPerSecond;
            LockSupport.parkNanos(waitNanos);
        }
    }
}
