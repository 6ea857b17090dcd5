package io.kvorum.core;

/**
 * The source of time for everything in Kvorum that keeps time.
 *
 * <p>Protocol and storage code never reads the system clock directly: a simulated cluster runs
 * every node against one hand-driven clock, so a failure found under a seeded schedule replays
 * exactly. Production code gets {@link #system()}.
 *
 * <p>{@link #nowMillis()} is wall-clock time (used for record timestamps and tombstone expiry);
 * {@link #nanoTime()} is monotonic and only meaningful as a difference (used for timeouts, rates
 * and failure detection).
 */
public interface Clock {

    /** Wall-clock time in milliseconds since the Unix epoch. */
    long nowMillis();

    /** Monotonic time in nanoseconds from an arbitrary origin; compare only differences. */
    long nanoTime();

    /** The operating system's clocks. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
