package io.kvorum.bench;

import io.kvorum.core.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Runs one task per thread, all released at once, and waits for every one: the shape of each
 * timed phase in both benchmarks.
 *
 * <p>Threads are created and started before the clock starts, and released together by a latch,
 * so thread start-up is not timed and no thread gets a head start. A failure in any thread fails
 * the run with the first thread's exception, after every thread has ended (none is left running
 * behind the report). One thread runs on the caller's thread.
 */
final class ParallelRun {
    private ParallelRun() {
    }

    /**
     * Runs {@code task.accept(t)} for each {@code t} in {@code [0, threads)}, each on its own
     * thread named {@code namePrefix + t}.
     *
     * @return nanoseconds from the release of the threads until the last one ended, at least 1
     */
    static long run(Clock clock, int threads, String namePrefix, IntConsumer task) {
        if (threads == 1) {
            long start = clock.nanoTime();
            task.accept(0);
            return Math.max(1, clock.nanoTime() - start);
        }
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread worker = new Thread(() -> {
                try {
                    go.await();
                    task.accept(index);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, namePrefix + t);
            workers.add(worker);
            worker.start();
        }
        long start = clock.nanoTime();
        go.countDown();
        for (Thread worker : workers) {
            joinUninterruptibly(worker);
        }
        long elapsed = Math.max(1, clock.nanoTime() - start);
        Throwable e = failure.get();
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        if (e instanceof Error) {
            throw (Error) e;
        }
        if (e != null) {
            throw new IllegalStateException("benchmark thread failed: " + e, e);
        }
        return elapsed;
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
