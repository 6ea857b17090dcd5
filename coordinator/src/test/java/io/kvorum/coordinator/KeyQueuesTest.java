package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The per-key serial queues run on a hand-driven executor, so every interleaving is chosen by the
 * test: what is submitted to the executor is exactly what holds a thread.
 */
class KeyQueuesTest {
    /** Holds submitted tasks until the test runs them; its size is the threads a real pool would use. */
    private static final class ManualExecutor implements Executor {
        final Queue<Runnable> queued = new ArrayDeque<>();
        boolean rejecting;

        @Override
        public void execute(Runnable task) {
            if (rejecting) {
                throw new RejectedExecutionException("stopping");
            }
            queued.add(task);
        }

        void runNext() {
            queued.remove().run();
        }

        void runAll() {
            while (!queued.isEmpty()) {
                runNext();
            }
        }
    }

    private final ManualExecutor executor = new ManualExecutor();
    private final KeyQueues queues = new KeyQueues(executor);

    @Test
    void tasksOfOneKeyRunOneAtATimeInOrderAndWaitersHoldNoThread() {
        Key hot = Key.of("hot");
        List<Integer> ran = new ArrayList<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int n = i;
            results.add(queues.submit(hot, () -> {
                ran.add(n);
                return n;
            }));
        }

        // A thousand writes to one key wait on one executor task, not a thousand parked threads.
        assertThat(executor.queued).hasSize(1);
        executor.runAll();

        assertThat(ran).hasSize(1000).isSorted();
        assertThat(results.get(999).join()).isEqualTo(999);
        assertThat(queues.activeKeys()).isZero();
    }

    @Test
    void anotherKeyRunsWhileAHotKeyHasAQueue() {
        Key hot = Key.of("hot");
        for (int i = 0; i < 100; i++) {
            queues.submit(hot, () -> "hot");
        }
        CompletableFuture<String> other = queues.submit(Key.of("other"), () -> "other");

        assertThat(executor.queued).hasSize(2);
        executor.runNext();
        executor.runNext();

        assertThat(other).isCompletedWithValue("other");
    }

    @Test
    void aFailedTaskDoesNotBlockTheNext() {
        Key key = Key.of("k");
        CompletableFuture<String> failed = queues.submit(key, () -> {
            throw new IllegalStateException("boom");
        });
        CompletableFuture<String> next = queues.submit(key, () -> "next");

        executor.runAll();

        assertThat(failed).isCompletedExceptionally();
        assertThat(next).isCompletedWithValue("next");
        assertThat(queues.activeKeys()).isZero();
    }

    @Test
    void aRefusingExecutorFailsTheTaskAndReleasesTheKey() {
        Key key = Key.of("k");
        executor.rejecting = true;

        CompletableFuture<String> refused = queues.submit(key, () -> "never");

        assertThat(refused).isCompletedExceptionally();
        assertThat(queues.activeKeys()).isZero();
        executor.rejecting = false;
        CompletableFuture<String> later = queues.submit(key, () -> "later");
        executor.runAll();
        assertThat(later).isCompletedWithValue("later");
    }
}
