package io.kvorum.sim;

import io.kvorum.core.Clock;
import io.kvorum.core.Scheduler;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Simulated time: a queue of events run one at a time, in due order, on the caller's thread. It is
 * the {@link Clock} and the {@link Scheduler} of every simulated node, so a whole cluster advances
 * through one schedule that a seed fixes (the FoundationDB way): the same seed, the same run.
 *
 * <p>Ties in due time run in the order they were scheduled. Time jumps straight to the next event.
 */
public final class SimLoop implements Clock, Scheduler {
    /** Wall-clock time at simulated time zero, so records carry plausible timestamps. */
    private static final long EPOCH_MILLIS = 1_760_000_000_000L;

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long nowNanos;
    private long sequence;
    private long eventsRun;

    @Override
    public long nowMillis() {
        return EPOCH_MILLIS + TimeUnit.NANOSECONDS.toMillis(nowNanos);
    }

    @Override
    public long nanoTime() {
        return nowNanos;
    }

    @Override
    public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
        Event e = new Event(nowNanos + Math.max(0, unit.toNanos(delay)), sequence++, task, 0);
        queue.add(e);
        return () -> e.cancelled = true;
    }

    @Override
    public Cancellable scheduleWithFixedDelay(Runnable task, long initialDelay, long period, TimeUnit unit) {
        Event e = new Event(nowNanos + unit.toNanos(initialDelay), sequence++, task, unit.toNanos(period));
        queue.add(e);
        return () -> e.cancelled = true;
    }

    /** Runs events until {@code done} holds; fails if simulated time passes {@code limitMs} first. */
    public void runUntil(BooleanSupplier done, long limitMs) {
        long limit = nowNanos + TimeUnit.MILLISECONDS.toNanos(limitMs);
        while (!done.getAsBoolean()) {
            Event e = queue.peek();
            if (e == null || e.dueNanos > limit) {
                throw new IllegalStateException("simulation did not reach its goal within " + limitMs
                        + " ms of simulated time (" + (e == null ? "no events left" : "next event later") + ")");
            }
            step();
        }
    }

    /** Runs every event due within the next {@code ms} of simulated time, then sets the clock there. */
    public void runFor(long ms) {
        long until = nowNanos + TimeUnit.MILLISECONDS.toNanos(ms);
        while (!queue.isEmpty() && queue.peek().dueNanos <= until) {
            step();
        }
        nowNanos = until;
    }

    private void step() {
        Event e = queue.poll();
        nowNanos = Math.max(nowNanos, e.dueNanos);
        if (e.cancelled) {
            return;
        }
        eventsRun++;
        e.task.run();
        if (e.periodNanos > 0 && !e.cancelled) {
            e.dueNanos = nowNanos + e.periodNanos;
            e.seq = sequence++;
            queue.add(e);
        }
    }

    public long eventsRun() {
        return eventsRun;
    }

    private static final class Event implements Comparable<Event> {
        long dueNanos;
        long seq;
        final Runnable task;
        final long periodNanos;
        boolean cancelled;

        Event(long dueNanos, long seq, Runnable task, long periodNanos) {
            this.dueNanos = dueNanos;
            this.seq = seq;
            this.task = task;
            this.periodNanos = periodNanos;
        }

        @Override
        public int compareTo(Event o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
