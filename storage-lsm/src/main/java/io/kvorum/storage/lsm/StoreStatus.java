package io.kvorum.storage.lsm;

import io.kvorum.storage.StorageException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a store may still be used, and if not, why: closed by its owner, stopping (closing, so
 * that background work gives up at its next step), or stopped by a failure.
 *
 * <p><b>Failures.</b> An I/O error in a flush or compaction stops the store (fail-stop, as
 * Cassandra's {@code disk_failure_policy: stop}), save a full disk ({@link DiskSpace}) and a damaged
 * table, which compactions leave out ({@link CompactionAgent}): later calls throw
 * {@link StorageException} naming the cause, and nothing more is written until an operator looks.
 * Carrying on would risk acknowledging writes that a half-written table or a trimmed log then
 * loses. The first failure is the one reported; later ones are usually its consequences.
 *
 * <p>Parts of the store that wait (writers for a flush slot, flushes for a table slot) register a
 * wake-up with {@link #onStop}, run when the store fails or starts to stop, so that no thread waits
 * for work that will now never happen.
 */
final class StoreStatus {
    private static final Logger log = LoggerFactory.getLogger(StoreStatus.class);

    private final Path dir;
    private final List<Runnable> wakeOnStop = new CopyOnWriteArrayList<>();
    /** Set under the log's append lock, so no append can slip in after close has begun. */
    private volatile boolean closed;
    private volatile boolean stopping;
    private volatile Throwable failure;

    StoreStatus(Path dir) {
        this.dir = dir;
    }

    /** Runs {@code wakeUp} whenever the store fails or starts to stop. */
    void onStop(Runnable wakeUp) {
        wakeOnStop.add(wakeUp);
    }

    /** [the log's append lock held] Refuses every later request. */
    void markClosed() {
        closed = true;
    }

    /** Tells background work to give up at its next step, and wakes whoever waits for it. */
    void stop() {
        stopping = true;
        wakeAll();
    }

    /** Stops the store after {@code what} failed; the first failure is logged and kept for later calls. */
    void fail(String what, Throwable e) {
        if (failure == null) {
            failure = e;
            log.error("Store {} stopped: {} failed; it refuses further requests until restarted", dir, what, e);
        }
        wakeAll();
    }

    private void wakeAll() {
        for (Runnable r : wakeOnStop) {
            r.run();
        }
    }

    boolean closed() {
        return closed;
    }

    boolean stopping() {
        return stopping;
    }

    boolean failed() {
        return failure != null;
    }

    /** What stopped the store, or empty while it works. */
    String failureMessage() {
        Throwable f = failure;
        return f == null ? "" : f.getMessage() == null ? f.getClass().getSimpleName() : f.getMessage();
    }

    /** Neither closed nor failed: requests are taken. */
    boolean usable() {
        return !closed && failure == null;
    }

    /** Neither stopping nor failed: background work may go on. */
    boolean working() {
        return !stopping && failure == null;
    }

    /**
     * @throws IllegalStateException when the store is closed
     * @throws StorageException when it stopped after a failure
     */
    void checkUsable() {
        if (closed) {
            throw closedException();
        }
        Throwable f = failure;
        if (f != null) {
            throw new StorageException("store " + dir + " stopped after a failure: " + f.getMessage(), f);
        }
    }

    IllegalStateException closedException() {
        return new IllegalStateException("store " + dir + " is closed");
    }
}
