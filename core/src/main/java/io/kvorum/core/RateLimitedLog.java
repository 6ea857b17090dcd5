package io.kvorum.core;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Warnings that can repeat without bound, bounded so that they cannot flood the node's log: a
 * remote party can trigger some at will (garbage frames, failed handshakes, a full queue), and a
 * background {@link Agent} that keeps failing would otherwise log once per attempt. A token
 * bucket: {@code burst} lines at once, then one per {@code intervalMs}; the next line that gets
 * through says how many were suppressed in between.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final int burst;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private double tokens;
    private long lastRefillNanos;
    private long suppressed;

    public RateLimitedLog(Logger log, int burst, long intervalMs, LongSupplier nanoClock) {
        Checks.requirePositive(burst, "burst");
        Checks.requirePositive(intervalMs, "intervalMs");
        this.log = log;
        this.burst = burst;
        this.intervalNanos = intervalMs * 1_000_000L;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.lastRefillNanos = nanoClock.getAsLong();
    }

    /** Ten lines at once, then one every six seconds: enough to diagnose, too few to flood. */
    public static RateLimitedLog standard(Logger log) {
        return standard(log, Clock.system());
    }

    /** As {@link #standard(Logger)}, measuring the interval on {@code clock}. */
    public static RateLimitedLog standard(Logger log, Clock clock) {
        return new RateLimitedLog(log, 10, 6_000, clock::nanoTime);
    }

    public void warn(String line) {
        warn(line, null);
    }

    /** As {@link #warn(String)}, with the stack trace of {@code cause} when the line gets through. */
    public void warn(String line, Throwable cause) {
        String text = admit(line);
        if (text == null) {
            return;
        }
        if (cause == null) {
            log.warn(text);
        } else {
            log.warn(text, cause);
        }
    }

    /**
     * An informational line from the same bucket as the warnings: the all-clear that ends what a
     * warning began (a disk with space again) must not flood the log any more than the warning.
     */
    public void info(String line) {
        String text = admit(line);
        if (text != null) {
            log.info(text);
        }
    }

    /** The line to log, saying how many were suppressed before it, or null when this one is suppressed. */
    private String admit(String line) {
        long dropped;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            tokens = Math.min(burst, tokens + (double) (now - lastRefillNanos) / intervalNanos);
            lastRefillNanos = now;
            if (tokens < 1) {
                suppressed++;
                return null;
            }
            tokens -= 1;
            dropped = suppressed;
            suppressed = 0;
        }
        return dropped == 0 ? line : line + " (" + dropped + " similar lines suppressed)";
    }
}
