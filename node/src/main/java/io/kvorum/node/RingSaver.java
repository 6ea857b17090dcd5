package io.kvorum.node;

import io.kvorum.gossip.Member;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the ring file whenever the ring changes, off the scheduler thread and one save at a time.
 *
 * <p>Why: a save fsyncs, and the scheduler thread also sends heartbeats, so a slow disk there
 * would make peers suspect this node. And two saves at once (the one at startup, one for a ring
 * change) raced on the same temporary file, so that every node logged a failed save at startup.
 * Requests made while a save is queued coalesce into it; each save writes the members as they
 * are when it runs, so the last save always holds the latest ring.
 *
 * <p>A failed save is logged, not fatal: gossip still has the ring, and the next change saves again.
 */
final class RingSaver {
    private static final Logger log = LoggerFactory.getLogger(RingSaver.class);

    private final RingFile file;
    private final Supplier<List<Member>> members;
    private final Executor executor;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Object saving = new Object();

    RingSaver(RingFile file, Supplier<List<Member>> members, Executor executor) {
        this.file = file;
        this.members = members;
        this.executor = executor;
    }

    /** Saves soon on the executor; returns at once. */
    void request() {
        if (queued.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    queued.set(false);
                    saveNow();
                });
            } catch (RejectedExecutionException e) {
                queued.set(false); // the node is stopping; the ring was saved at its last change
            }
        }
    }

    /** Saves on the calling thread, after any save under way. */
    void saveNow() {
        synchronized (saving) {
            try {
                file.save(members.get());
            } catch (RuntimeException e) {
                log.warn("Could not save the ring to {}: {}", file.path(), e.getMessage());
            }
        }
    }
}
