package io.kvorum.core;

import java.util.concurrent.TimeUnit;

/**
 * Runs work later or periodically: the only way protocol code may defer anything.
 *
 * <p>Production uses {@link ExecutorScheduler}; simulation uses a scheduler driven by a hand-moved
 * clock, so timers fire in a replayable order. Tasks must be short and must not block: a task
 * that needs to do I/O hands it to the component's own executor.
 */
public interface Scheduler {

    /** Runs {@code task} once after {@code delay}. */
    Cancellable schedule(Runnable task, long delay, TimeUnit unit);

    /**
     * Runs {@code task} repeatedly, {@code period} apart measured from the end of one run to the start
     * of the next, so a slow run delays the next one rather than piling runs up.
     */
    Cancellable scheduleWithFixedDelay(Runnable task, long initialDelay, long period, TimeUnit unit);

    /** A handle on a scheduled task. */
    interface Cancellable {
        /** Stops future runs; a run already in progress completes. Idempotent. */
        void cancel();
    }
}
