package io.kvorum.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscChunkedArrayQueue;

/**
 * Frames waiting to be written to one connection, with write coalescing: any thread may
 * {@link #offer}, one drain task on the channel's event loop writes everything queued and then
 * flushes once. Under load a flush (a syscall) carries many frames; when idle, a frame is written
 * as soon as the loop runs the drain.
 *
 * <p>Bounded: {@link #offer} fails when {@code limitMessages} frames wait (at least 4, rounded up
 * to a power of two by the JCTools queue), and the caller fails fast instead of the queue growing without end. The
 * drain writes only while the channel is writable, so a slow peer fills this queue, not Netty's
 * unbounded outbound buffer; {@link #drain} runs again when the channel becomes writable.
 *
 * <p>Threads: {@link #offer} from any thread; {@link #attach}, {@link #detachAndDiscard} and
 * {@link #drain} only on the event loop of the channel attached (the single consumer).
 */
final class OutboundQueue {
    private final MessagePassingQueue<ByteBuf> queue;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicLong flushes;
    private final Runnable drainTask = this::drain;
    private volatile Channel channel;
    private volatile java.util.concurrent.Executor loop;
    private volatile boolean closed;

    OutboundQueue(int limitMessages, AtomicLong flushes) {
        int capacity = Math.max(4, limitMessages);
        this.queue = new MpscChunkedArrayQueue<>(Math.min(1024, capacity / 2), capacity);
        this.flushes = flushes;
    }

    /**
     * Queues {@code frame} for writing. Returns false, keeping ownership with the caller, when the
     * queue is full.
     */
    boolean offer(ByteBuf frame) {
        if (closed || !queue.offer(frame)) {
            return false;
        }
        if (closed) {
            // Closed while we queued: the close's own discard may have run already, so release
            // what is left on the loop (the single consumer), or the frame leaks.
            java.util.concurrent.Executor l = loop;
            if (l != null) {
                l.execute(this::discard);
            }
            return true;
        }
        scheduleDrain();
        return true;
    }

    /** Whether {@link #close} was called: a refused offer then means the connection is gone, not full. */
    boolean isClosed() {
        return closed;
    }

    /** Starts writing to {@code ch}; frames queued before it was attached go first. */
    void attach(Channel ch) {
        loop = ch.eventLoop();
        channel = ch;
        drain();
    }

    /**
     * For a queue of one connection that is gone for good: releases every queued frame, and every
     * frame offered from now on is refused (the caller keeps and releases it). An answer completed
     * after its connection closed used to stay queued forever, unreleased. Event loop only.
     */
    void close() {
        closed = true;
        channel = null;
        discard();
    }

    /**
     * {@link #close()} for a queue that may never have been attached (a connection that failed
     * before its handshake), run on {@code onLoop}: an offer racing the close then has a loop to
     * release its frame on.
     */
    void close(java.util.concurrent.Executor onLoop) {
        if (loop == null) {
            loop = onLoop;
        }
        close();
    }

    /** Stops writing and releases every queued frame: they were meant for a connection that is gone. */
    void detachAndDiscard() {
        channel = null;
        discard();
    }

    /** Releases every queued frame. Event loop only. */
    void discard() {
        ByteBuf b;
        while ((b = queue.relaxedPoll()) != null) {
            b.release();
        }
    }

    private void scheduleDrain() {
        Channel ch = channel;
        if (ch != null && drainScheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(drainTask);
        }
    }

    /** Writes queued frames while the channel takes them, then flushes once. Event loop only. */
    void drain() {
        drainScheduled.set(false);
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        int written = 0;
        ByteBuf b;
        while (ch.isWritable() && (b = queue.relaxedPoll()) != null) {
            ch.write(b, ch.voidPromise());
            written++;
        }
        if (written > 0) {
            ch.flush();
            flushes.incrementAndGet();
        }
        if (!ch.isActive()) {
            discard();
        }
    }
}
