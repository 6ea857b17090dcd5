package io.kvorum.streaming;

import io.kvorum.core.Checks;
import io.kvorum.core.Clock;

/**
 * A token bucket over bytes that callers pay after the fact: a puller cannot know a chunk's size
 * before it arrives, so it waits until the bucket is out of debt, sends, and is charged what came
 * back. Over any period the bytes charged exceed {@code rate × time} by at most one chunk per
 * concurrent puller plus the burst, and the bucket starts empty so a new stream does not begin
 * with a burst.
 *
 * <p>Thread-safe. It only computes delays; the caller waits with its {@code Scheduler}.
 */
final class ByteThrottle {
    private final Clock clock;
    private final long bytesPerSecond;
    private final double burstBytes;
    private double tokens;
    private long refilledNanos;

    /** @param bytesPerSecond the rate; 0 means unlimited */
    ByteThrottle(Clock clock, long bytesPerSecond, long burstBytes) {
        this.clock = clock;
        this.bytesPerSecond = Checks.requireNonNegative(bytesPerSecond, "bytesPerSecond");
        this.burstBytes = Checks.requirePositive(burstBytes, "burstBytes");
        this.refilledNanos = clock.nanoTime();
    }

    /** How long to wait before the next request: 0 when the bucket is not in debt. */
    synchronized long delayNanos() {
        if (bytesPerSecond == 0) {
            return 0;
        }
        refill();
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1e9 / bytesPerSecond);
    }

    /** Charges {@code bytes} received. */
    synchronized void charge(long bytes) {
        if (bytesPerSecond == 0) {
            return;
        }
        refill();
        tokens -= bytes;
    }

    private void refill() {
        long now = clock.nanoTime();
        tokens = Math.min(burstBytes, tokens + (now - refilledNanos) * (bytesPerSecond / 1e9));
        refilledNanos = now;
    }
}
