package io.kvorum.transport;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.kvorum.core.Clock;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Runs actions after a link-fault delay, in the order they were added: a delayed link is still a
 * FIFO link, as TCP is. One timer serves the whole line, for the action at its head.
 *
 * <p>Netty's own scheduler does not keep this order: tasks scheduled from outside the event loop
 * with the same delay can run in another order than they were scheduled, which reordered delayed
 * messages. An action waits for every action added before it, even when a later one is due first
 * (after the delay was shortened).
 *
 * <p>{@link #add} from any thread; everything else on the line's event loop.
 */
final class DelayLine {
    private record Entry(long dueNanos, Runnable action) {
    }

    private final EventLoop loop;
    private final Clock clock;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private ScheduledFuture<?> timer;

    DelayLine(EventLoop loop, Clock clock) {
        this.loop = loop;
        this.clock = clock;
    }

    /** Runs {@code action} on the event loop {@code delayMs} from now, after everything added earlier. */
    void add(long delayMs, Runnable action) {
        Entry e = new Entry(clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs), action);
        if (loop.inEventLoop()) {
            append(e);
        } else {
            loop.execute(() -> append(e));
        }
    }

    private void append(Entry e) {
        entries.addLast(e);
        if (timer == null) {
            arm();
        }
    }

    private void arm() {
        Entry head = entries.peekFirst();
        timer = loop.schedule(this::fire, Math.max(0, head.dueNanos() - clock.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        long now = clock.nanoTime();
        Entry head;
        while ((head = entries.peekFirst()) != null && head.dueNanos() - now <= 0) {
            entries.pollFirst();
            head.action().run();
        }
        if (!entries.isEmpty()) {
            arm();
        }
    }
}
