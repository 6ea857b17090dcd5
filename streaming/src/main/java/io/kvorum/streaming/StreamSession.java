package io.kvorum.streaming;

import io.kvorum.streaming.StreamMessages.StreamChunk;
import io.kvorum.streaming.StreamMessages.StreamRequest;
import io.kvorum.streaming.StreamProgress.State;
import io.kvorum.core.Key;
import io.kvorum.core.KvorumException;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Scheduler;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.Durability;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream: a set of (range, source) units that a {@link RangeStreamer} pulls into the local
 * store, each with its own cursor, until all are applied and the store is flushed.
 *
 * <p><b>A unit</b> asks its source for the chunk after its cursor, applies the chunk by union on the
 * storage executor, moves its cursor to the chunk's last key, and asks again, until a chunk says
 * the range is exhausted. The cursor moves only after the apply, so every key before it is in the
 * store. Before each request it waits until the streamer's throttle is out of debt, on the
 * scheduler: nothing here sleeps or blocks.
 *
 * <p><b>Parallelism.</b> At most {@link StreamOptions#parallelUnits()} units run at once, taken in
 * task order and within a task in source order, so the units running together usually pull from
 * different sources. Two (the default) overlap one source's scan and the network with the local
 * apply; more mostly compete for the same disk and the same throttle.
 *
 * <p><b>Failures.</b> A request that times out, finds the peer unavailable, is answered with an
 * error, or brings an invalid chunk, and an apply that fails, is retried from the unit's cursor
 * after {@link StreamOptions#retryBackoffMs()}. After {@link StreamOptions#maxAttempts()}
 * consecutive failures the unit gives up and the session fails with a
 * {@link StreamFailedException} naming the range and the source: the other units stop at their next
 * step (a chunk already on its way is dropped, not applied), and the session completes once none is
 * in flight, so a resume never overlaps a unit of the previous attempt. Units already finished stay
 * finished. {@link #resume()} starts a new attempt of the others from their cursors, so what was
 * applied before the failure is not fetched again (beyond the chunk that was in flight).
 *
 * <p><b>Completion.</b> Once every unit is done the store is flushed on the storage executor
 * (chunks are applied without waiting for the commit log's fsync) and only then does
 * {@link #done()} complete: a caller that declares the node a normal owner afterwards has its data
 * on disk.
 *
 * <p>Thread-safe: every method may be called from any thread. Replies, timers and applies arrive on
 * the bus's, the scheduler's and the storage executor's threads; all state changes happen under
 * one lock, and no I/O, logging or callback runs while it is held.
 */
public final class StreamSession {
    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);

    private final long id;
    private final String description;
    private final RangeStreamer streamer;
    private final List<Unit> units = new ArrayList<>();
    private final int rangesTotal;
    private final int sourcesTotal;
    private final long createdNanos;

    private final Object lock = new Object();
    // Guarded by lock:
    private State state = State.RUNNING;
    /** Why the current attempt is winding down; null while it runs. */
    private State stopping;
    private KvorumException failure;
    private final ArrayDeque<Unit> queue = new ArrayDeque<>();
    /** Units between their start and their stop (requesting, applying or waiting), plus a running flush. */
    private int active;
    private CompletableFuture<StreamSummary> future = new CompletableFuture<>();
    private long records;
    private long bytes;
    private int attempt;
    private long finishedNanos;
    private final RateMeter rate = new RateMeter();

    /** One (range, source) pair and where it stands; guarded by the session's lock. */
    private static final class Unit {
        final int task;
        final TokenRange range;
        /** The range as requested: a full range rewritten so that its scan order is fixed. */
        final TokenRange requested;
        final NodeId source;
        Key cursor;
        boolean done;
        boolean gaveUp;
        int failures;
        /** Identifies the pending throttle or backoff wait, null when none; a stale timer sees a different one. */
        Object waitToken;
        Scheduler.Cancellable timer;

        Unit(int task, TokenRange range, NodeId source) {
            this.task = task;
            this.range = range;
            this.requested = RangeCursor.normalize(range);
            this.source = source;
        }
    }

    private final List<StreamTask> tasks;

    StreamSession(long id, String description, List<StreamTask> tasks, RangeStreamer streamer) {
        this.tasks = List.copyOf(tasks);
        this.id = id;
        this.description = description;
        this.streamer = streamer;
        this.rangesTotal = tasks.size();
        Set<NodeId> sources = new LinkedHashSet<>();
        for (int t = 0; t < tasks.size(); t++) {
            for (NodeId source : tasks.get(t).sources()) {
                units.add(new Unit(t, tasks.get(t).range(), source));
                sources.add(source);
            }
        }
        this.sourcesTotal = sources.size();
        this.createdNanos = streamer.clock.nanoTime();
    }

    /** What this session pulls: a change run again with the same tasks resumes it rather than starting over. */
    public List<StreamTask> tasks() {
        return tasks;
    }

    public long id() {
        return id;
    }

    public String description() {
        return description;
    }

    /**
     * Completes with the summary once every unit is done and the store flushed; exceptionally with
     * a {@link StreamFailedException} (or a {@link KvorumException} when the final flush failed) or
     * a {@link CancellationException}. After {@link #resume()} it is the new attempt's future.
     * Completing the returned future does not affect the session: use {@link #cancel()}.
     */
    public CompletableFuture<StreamSummary> done() {
        synchronized (lock) {
            return future.copy();
        }
    }

    /** A consistent snapshot of where the session stands. */
    public StreamProgress progress() {
        synchronized (lock) {
            int unitsDone = 0;
            int unitsFailed = 0;
            boolean[] rangeUnfinished = new boolean[rangesTotal];
            for (Unit u : units) {
                unitsDone += u.done ? 1 : 0;
                unitsFailed += u.gaveUp ? 1 : 0;
                rangeUnfinished[u.task] |= !u.done;
            }
            int rangesDone = 0;
            for (boolean unfinished : rangeUnfinished) {
                rangesDone += unfinished ? 0 : 1;
            }
            long now = streamer.clock.nanoTime();
            long end = state == State.RUNNING ? now : finishedNanos;
            return new StreamProgress(id, description, state, units.size(), unitsDone, unitsFailed, rangesTotal,
                    rangesDone, records, bytes, state == State.RUNNING ? rate.bytesPerSecond(now) : 0,
                    TimeUnit.NANOSECONDS.toMillis(end - createdNanos), attempt);
        }
    }

    /**
     * Stops the session: no further request is sent, waits are cancelled, and {@link #done()}
     * completes with a {@link CancellationException} once the requests in flight have come back or
     * timed out. No effect once the session has finished, or while its final flush runs (it then
     * completes normally). {@link #resume()} continues it.
     */
    public void cancel() {
        Runnable after = null;
        synchronized (lock) {
            if (state != State.RUNNING || stopping != null) {
                return;
            }
            stopping = State.CANCELLED;
            cancelWaits();
            if (active == 0) {
                after = settle();
            }
        }
        run(after);
    }

    /**
     * Starts a new attempt of the units that are not done, each from its cursor, and returns its
     * future (also {@link #done()} from now on). When every unit was done and only the final flush
     * failed, it retries the flush.
     *
     * @throws IllegalStateException unless the session has failed or was cancelled
     */
    public CompletableFuture<StreamSummary> resume() {
        CompletableFuture<StreamSummary> resumed = start(true);
        streamer.track(this);
        return resumed;
    }

    /** Starts an attempt: the first, or a resume of a session that failed or was cancelled. */
    CompletableFuture<StreamSummary> start(boolean resume) {
        CompletableFuture<StreamSummary> started;
        int left = 0;
        int thisAttempt;
        synchronized (lock) {
            if (resume && state != State.FAILED && state != State.CANCELLED) {
                throw new IllegalStateException("stream " + id + " '" + description + "' is " + state
                        + " (expected: FAILED or CANCELLED to resume)");
            }
            state = State.RUNNING;
            stopping = null;
            failure = null;
            attempt++;
            thisAttempt = attempt;
            future = new CompletableFuture<>();
            started = future.copy();
            rate.restart(streamer.clock.nanoTime());
            queue.clear();
            for (Unit u : units) {
                u.failures = 0;
                u.gaveUp = false;
                if (!u.done) {
                    queue.add(u);
                    left++;
                }
            }
        }
        if (thisAttempt == 1) {
            log.info("stream {} '{}' started: {} ranges, {} units from {} sources", id, description, rangesTotal,
                    units.size(), sourcesTotal);
        } else {
            log.info("stream {} '{}' resumed (attempt {}): {} of {} units left", id, description, thisAttempt, left,
                    units.size());
        }
        pump();
        return started;
    }

    boolean isFinished() {
        synchronized (lock) {
            return state != State.RUNNING;
        }
    }

    /** Starts queued units up to the parallelism, or the final flush when none is left. */
    private void pump() {
        List<Unit> launch = new ArrayList<>();
        boolean flush = false;
        synchronized (lock) {
            if (state != State.RUNNING || stopping != null) {
                return;
            }
            while (active < streamer.options.parallelUnits() && !queue.isEmpty()) {
                launch.add(queue.poll());
                active++;
            }
            if (active == 0) {
                active++;
                flush = true;
            }
        }
        for (Unit u : launch) {
            next(u);
        }
        if (flush) {
            flush();
        }
    }

    /** The unit's next request, once the throttle allows it. */
    private void next(Unit u) {
        Key cursor;
        Runnable after = null;
        synchronized (lock) {
            if (stopping != null) {
                after = unitStopped();
                cursor = null;
            } else {
                long delayNanos = streamer.throttle.delayNanos();
                if (delayNanos > 0) {
                    waitThen(u, delayNanos);
                    return;
                }
                cursor = u.cursor;
            }
        }
        if (after != null) {
            after.run();
            return;
        }
        send(u, cursor);
    }

    private void send(Unit u, Key cursor) {
        CompletableFuture<StreamChunk> reply;
        try {
            reply = streamer.bus.request(u.source, new StreamRequest(u.requested, cursor,
                    streamer.options.chunkBytes()), StreamChunk.class, streamer.options.requestTimeoutMs());
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((chunk, e) -> {
            if (e != null) {
                failed(u, unwrap(e));
            } else {
                received(u, cursor, chunk);
            }
        });
    }

    private void received(Unit u, Key cursor, StreamChunk chunk) {
        String invalid = RangeCursor.invalid(u.requested, cursor, chunk);
        if (invalid != null) {
            failed(u, new KvorumException("source " + u.source + " sent an invalid chunk of " + u.range + ": "
                    + invalid));
            return;
        }
        long chunkBytes = 0;
        for (Record r : chunk.records()) {
            chunkBytes += StreamMessages.wireBytes(r);
        }
        streamer.throttle.charge(chunkBytes);
        Runnable after = null;
        synchronized (lock) {
            if (stopping != null) {
                after = unitStopped();
            }
        }
        if (after != null) {
            after.run();
            return;
        }
        if (chunk.records().isEmpty()) {
            applied(u, chunk, 0);
            return;
        }
        long appliedBytes = chunkBytes;
        CompletableFuture<Void> applying;
        try {
            applying = CompletableFuture.runAsync(() -> streamer.store.apply(chunk.records(), Durability.PERIODIC),
                    streamer.storage);
        } catch (RuntimeException e) {
            applying = CompletableFuture.failedFuture(e);
        }
        applying.whenComplete((v, e) -> {
            if (e != null) {
                failed(u, unwrap(e));
            } else {
                applied(u, chunk, appliedBytes);
            }
        });
    }

    private void applied(Unit u, StreamChunk chunk, long chunkBytes) {
        Runnable after = null;
        synchronized (lock) {
            if (chunk.last() != null) {
                u.cursor = chunk.last();
            }
            records += chunk.records().size();
            bytes += chunkBytes;
            rate.record(streamer.clock.nanoTime(), chunkBytes);
            u.failures = 0;
            if (chunk.done()) {
                u.done = true;
                active--;
                if (stopping != null && active == 0) {
                    after = settle();
                }
            }
        }
        if (after != null) {
            after.run();
        } else if (chunk.done()) {
            pump();
        } else {
            next(u);
        }
    }

    private void failed(Unit u, Throwable cause) {
        Runnable after = null;
        synchronized (lock) {
            if (stopping != null) {
                after = unitStopped();
            } else {
                int failures = ++u.failures;
                if (failures >= streamer.options.maxAttempts()) {
                    u.gaveUp = true;
                    failure = new StreamFailedException(description, u.range, u.source, failures, cause);
                    stopping = State.FAILED;
                    cancelWaits();
                    after = unitStopped();
                } else {
                    waitThen(u, TimeUnit.MILLISECONDS.toNanos(streamer.options.retryBackoffMs()));
                    after = () -> log.warn("stream {} '{}': range {} from {} failed (attempt {} of {}), retrying in {}"
                            + " ms: {}", id, description, u.range, u.source, failures,
                            streamer.options.maxAttempts(), streamer.options.retryBackoffMs(), cause.toString());
                }
            }
        }
        run(after);
    }

    private void flush() {
        CompletableFuture<Void> flushing;
        try {
            flushing = CompletableFuture.runAsync(streamer.store::flush, streamer.storage);
        } catch (RuntimeException e) {
            flushing = CompletableFuture.failedFuture(e);
        }
        flushing.whenComplete((v, e) -> {
            Runnable after;
            synchronized (lock) {
                active--;
                if (e != null) {
                    failure = new KvorumException("stream '" + description + "' received every range, but flushing"
                            + " the store failed: " + unwrap(e).getMessage(), unwrap(e));
                    stopping = State.FAILED;
                } else {
                    stopping = State.DONE;
                }
                after = settle();
            }
            after.run();
        });
    }

    /** Schedules the unit's next step after {@code delayNanos}; it stays active while it waits. */
    private void waitThen(Unit u, long delayNanos) {
        Object token = new Object();
        u.waitToken = token;
        u.timer = streamer.scheduler.schedule(() -> {
            synchronized (lock) {
                if (u.waitToken != token) {
                    return; // cancelled while it fired
                }
                u.waitToken = null;
                u.timer = null;
            }
            next(u);
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops every unit that is waiting; the session is stopping. */
    private void cancelWaits() {
        for (Unit u : units) {
            if (u.waitToken != null) {
                u.timer.cancel();
                u.waitToken = null;
                u.timer = null;
                active--;
            }
        }
    }

    /** A unit stopped because the session is stopping; settles the session after the last one. */
    private Runnable unitStopped() {
        active--;
        return active == 0 ? settle() : null;
    }

    /** Ends the attempt as {@link #stopping} says; returns what to do once the lock is released. */
    private Runnable settle() {
        state = stopping;
        finishedNanos = streamer.clock.nanoTime();
        long millis = TimeUnit.NANOSECONDS.toMillis(finishedNanos - createdNanos);
        CompletableFuture<StreamSummary> completing = future;
        long recordsNow = records;
        long bytesNow = bytes;
        switch (state) {
            case DONE -> {
                StreamSummary summary = new StreamSummary(id, description, units.size(), rangesTotal, recordsNow,
                        bytesNow, millis);
                return () -> {
                    log.info("stream {} '{}' done: {} records, {} bytes from {} units in {} ms", id, description,
                            recordsNow, bytesNow, units.size(), millis);
                    completing.complete(summary);
                };
            }
            case FAILED -> {
                KvorumException error = failure;
                return () -> {
                    log.warn("stream {} '{}' failed after {} records, {} bytes in {} ms: {}", id, description,
                            recordsNow, bytesNow, millis, error.getMessage());
                    completing.completeExceptionally(error);
                };
            }
            case CANCELLED -> {
                return () -> {
                    log.info("stream {} '{}' cancelled after {} records, {} bytes in {} ms", id, description,
                            recordsNow, bytesNow, millis);
                    completing.completeExceptionally(new CancellationException("stream " + id + " '" + description
                            + "' was cancelled"));
                };
            }
            default -> throw new IllegalStateException("settling stream " + id + " as " + state);
        }
    }

    private static void run(Runnable action) {
        if (action != null) {
            action.run();
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
