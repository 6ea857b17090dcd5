package io.kvorum.streaming;

import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.MessageBus;
import io.kvorum.core.Scheduler;
import io.kvorum.storage.ReplicaStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The pulling side of range streaming: fetches token ranges from other nodes into the local store,
 * as a node does when it joins (the ranges it will own) or when another leaves or is removed (the
 * ranges it takes over). Which ranges and which sources is the caller's decision; this class moves
 * the records, throttled, retried, resumable and observable.
 *
 * <p>{@link #pull} starts a {@link StreamSession}; see there for how units run, fail and resume.
 * Every session of one streamer shares one {@link ByteThrottle} of
 * {@link StreamOptions#bytesPerSecond()}, so two concurrent streams together stay within the rate
 * set for the node.
 *
 * <p>{@link #sessions()} lists the sessions that run and the last {@value #RECENT_FINISHED} that
 * finished, for the admin status display; older finished ones are forgotten.
 *
 * <p>Thread-safe. Time and timers come from the {@link Clock} and {@link Scheduler}, the network
 * from the {@link MessageBus}, and applying and flushing run on the storage executor, so the same
 * code runs in a node and in a single-threaded simulation.
 */
public final class RangeStreamer {
    /** How many finished sessions {@link #sessions()} keeps showing. */
    public static final int RECENT_FINISHED = 8;

    final ReplicaStore store;
    final MessageBus bus;
    final Scheduler scheduler;
    final Clock clock;
    final Executor storage;
    final StreamOptions options;
    final ByteThrottle throttle;

    private final Object lock = new Object();
    private final List<StreamSession> sessions = new ArrayList<>();
    private long nextId = 1;

    public RangeStreamer(ReplicaStore store, MessageBus bus, Scheduler scheduler, Clock clock,
                         Executor storageExecutor, StreamOptions options) {
        this.store = Objects.requireNonNull(store, "store");
        this.bus = Objects.requireNonNull(bus, "bus");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.storage = Objects.requireNonNull(storageExecutor, "storageExecutor");
        this.options = Objects.requireNonNull(options, "options");
        this.throttle = new ByteThrottle(clock, options.bytesPerSecond(), options.chunkBytes());
    }

    public StreamOptions options() {
        return options;
    }

    /**
     * Starts pulling every task's range from each of its sources into the local store and returns
     * the running session. With no tasks the session only flushes and completes.
     *
     * @param description what the stream is for, for logs and status ("bootstrap", "decommission of
     *                    node X")
     */
    public StreamSession pull(String description, List<StreamTask> tasks) {
        Objects.requireNonNull(description, "description");
        Checks.require(!description.isBlank(), "description", "'" + description + "'", "not blank");
        List<StreamTask> copy = List.copyOf(tasks);
        StreamSession session;
        synchronized (lock) {
            session = new StreamSession(nextId++, description, copy, this);
        }
        track(session);
        session.start(false);
        return session;
    }

    /** Lists {@code session} in {@link #sessions()}: when it starts, and again when it resumes. */
    void track(StreamSession session) {
        synchronized (lock) {
            if (!sessions.contains(session)) {
                sessions.add(session);
            }
            forgetOldFinished();
        }
    }

    /** Progress of the sessions that run and of the last few finished ones, oldest first. */
    public List<StreamProgress> sessions() {
        List<StreamSession> snapshot;
        synchronized (lock) {
            forgetOldFinished();
            snapshot = new ArrayList<>(sessions);
        }
        List<StreamProgress> progress = new ArrayList<>(snapshot.size());
        for (StreamSession s : snapshot) {
            progress.add(s.progress());
        }
        return progress;
    }

    /**
     * Drops the oldest finished sessions beyond {@link #RECENT_FINISHED}; one that is resumed later
     * shows again.
     */
    private void forgetOldFinished() {
        int finished = 0;
        for (StreamSession s : sessions) {
            finished += s.isFinished() ? 1 : 0;
        }
        for (Iterator<StreamSession> it = sessions.iterator(); it.hasNext() && finished > RECENT_FINISHED; ) {
            if (it.next().isFinished()) {
                it.remove();
                finished--;
            }
        }
    }
}
