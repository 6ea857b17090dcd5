package io.kvorum.node;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One run of an operation at a time, shared: a caller who asks while a run is under way gets that
 * run's future instead of starting another (the "single flight" of Go's groupcache). For
 * operations where a second run right behind the first would do the same work again for nothing,
 * such as a cleanup, which flushes and rewrites every table. A run that finishes (or fails) at once
 * is not kept, so the next caller starts afresh. Thread-safe.
 */
final class SingleFlight<T> {
    /** The run under way; null when none is. */
    private CompletableFuture<T> running;

    /** The running run's future, or a new run's from {@code start}. */
    synchronized CompletableFuture<T> run(Supplier<CompletableFuture<T>> start) {
        if (running != null) {
            return running;
        }
        CompletableFuture<T> started = start.get();
        if (!started.isDone()) {
            running = started;
            started.whenComplete((r, e) -> finished(started));
        }
        return started;
    }

    /** True while a run is under way. */
    synchronized boolean isRunning() {
        return running != null;
    }

    private synchronized void finished(CompletableFuture<T> run) {
        if (running == run) {
            running = null;
        }
    }
}
