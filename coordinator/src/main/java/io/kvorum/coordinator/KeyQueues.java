package io.kvorum.coordinator;

import io.kvorum.core.Key;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs the tasks of one key one at a time, in submission order, on the storage executor, and the
 * tasks of different keys independently.
 *
 * <p>Why a queue per key rather than a lock: a lock, striped or not, parks a storage thread for
 * every write waiting on a busy key, so a flood of writes to one key fills every thread with
 * waiters and stalls reads and writes of all other keys. Here a waiting task occupies no thread:
 * it is chained behind its key's previous task and submitted once that finishes, so one hot key
 * holds at most one storage thread at a time. A key's entry lives only while it has tasks queued
 * or running, so memory follows the writes in flight, not the keys ever written.
 */
final class KeyQueues {
    private final Executor executor;
    private final ConcurrentHashMap<Key, CompletableFuture<?>> tails = new ConcurrentHashMap<>();

    KeyQueues(Executor executor) {
        this.executor = executor;
    }

    /**
     * Runs {@code task} on the executor once every task submitted earlier for {@code key} has
     * finished, whether it succeeded or failed.
     */
    <T> CompletableFuture<T> submit(Key key, Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<?> previous = tails.put(key, result);
        Runnable run = () -> {
            try {
                result.complete(task.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            } finally {
                tails.remove(key, result);
            }
        };
        if (previous == null) {
            execute(key, run, result);
        } else {
            previous.whenComplete((v, e) -> execute(key, run, result));
        }
        return result;
    }

    /** Keys with a task queued or running; for tests and metrics. */
    int activeKeys() {
        return tails.size();
    }

    private void execute(Key key, Runnable run, CompletableFuture<?> result) {
        try {
            executor.execute(run);
        } catch (RuntimeException e) {
            // A stopping node's executor refuses work: the task fails, and so releases the tasks
            // queued behind it, rather than leaving them waiting forever.
            result.completeExceptionally(e);
            tails.remove(key, result);
        }
    }
}
