package io.kvorum.core.testing;

import io.kvorum.core.Scheduler;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler} that runs tasks only when the test advances its {@link ManualClock}, in due
 * time order, ties broken by the order they were scheduled. Single-threaded: tasks run on the
 * thread that calls {@link #advance}.
 */
public final class ManualScheduler implements Scheduler {
    private final ManualClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long sequence;

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
        Task t = new Task(clock.nanoTime() + unit.toNanos(delay), 0, sequence++, task);
        queue.add(t);
        return () -> t.cancelled = true;
    }

    @Override
    public synchronized Cancellable scheduleWithFixedDelay(Runnable task, long initialDelay, long period, TimeUnit unit) {
        Task t = new Task(clock.nanoTime() + unit.toNanos(initialDelay), unit.toNanos(period), sequence++, task);
        queue.add(t);
        return () -> t.cancelled = true;
    }

    /** Moves the clock forward by {@code amount}, running every task that falls due on the way. */
    public void advance(long amount, TimeUnit unit) {
        long target = clock.nanoTime() + unit.toNanos(amount);
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.dueNanos > target) {
                    break;
                }
                queue.poll();
            }
            clock.advanceTo(next.dueNanos);
            if (!next.cancelled) {
                next.action.run();
                if (next.periodNanos > 0 && !next.cancelled) {
                    synchronized (this) {
                        next.dueNanos = clock.nanoTime() + next.periodNanos;
                        next.seq = sequence++;
                        queue.add(next);
                    }
                }
            }
        }
        clock.advanceTo(target);
    }

    public synchronized int pendingTasks() {
        return (int) queue.stream().filter(t -> !t.cancelled).count();
    }

    private static final class Task implements Comparable<Task> {
        long dueNanos;
        final long periodNanos;
        long seq;
        final Runnable action;
        volatile boolean cancelled;

        Task(long dueNanos, long periodNanos, long seq, Runnable action) {
            this.dueNanos = dueNanos;
            this.periodNanos = periodNanos;
            this.seq = seq;
            this.action = action;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
