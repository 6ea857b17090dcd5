package io.kvorum.transport;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Warnings that a remote party can trigger at will (garbage frames, failed handshakes, a full
 * queue), bounded so that a misbehaving or hostile peer cannot flood the node's log. A token
 * bucket: {@code burst} lines at once, then one per {@code intervalMs}; the next line that gets
 * through says how many were suppressed in between.
 */
final class RateLimitedLog {
    private final Logger log;
    private final int burst;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private double tokens;
    private long lastRefillNanos;
    private long suppressed;

    RateLimitedLog(Logger log, int burst, long intervalMs, LongSupplier nanoClock) {
        this.log = log;
        this.burst = burst;
        this.intervalNanos = intervalMs * 1_000_000L;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.lastRefillNanos = nanoClock.getAsLong();
    }

    /** Ten lines at once, then one every six seconds: enough to diagnose, too few to flood. */
    static RateLimitedLog standard(Logger log) {
        return new RateLimitedLog(log, 10, 6_000, System::nanoTime);
    }

    void warn(String line) {
        long dropped;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            tokens = Math.min(burst, tokens + (double) (now - lastRefillNanos) / intervalNanos);
            lastRefillNanos = now;
            if (tokens < 1) {
                suppressed++;
                return;
            }
            tokens -= 1;
            dropped = suppressed;
            suppressed = 0;
        }
        if (dropped == 0) {
            log.warn(line);
        } else {
            log.warn("{} ({} similar lines suppressed)", line, dropped);
        }
    }
}
