package io.kvorum.storage.lsm;

import io.kvorum.core.Clock;
import io.kvorum.storage.KeyInterval;
import io.kvorum.storage.StorageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns full memtables into level-0 tables, and holds writers back when flushing falls behind.
 *
 * <p><b>Freezing.</b> The commit log's append lock also picks the memtable, so an entry and its
 * memtable change together: when a memtable is frozen the log rolls to a new segment, and the
 * frozen memtable owns exactly the segments before it. A full memtable is frozen and flushed to an
 * SSTable in the background; writers only wait (a write stall) when
 * {@code storage.memtable_max_pending_flushes} are already queued, which bounds the heap that
 * memtables hold. Flushes complete in order, so after each one every segment it covers can go.
 *
 * <p><b>Table slots.</b> A flush waits while the store has {@code storage.max_open_files} tables
 * and compaction can lower the count, waking compaction as it waits: file handles and per-read
 * work grow with the table count, and without the wait a burst of writes outruns compaction. Each
 * flush wakes compaction when it is done, since a new table is what makes a compaction due.
 *
 * <p><b>Failures.</b> A flush that fails for want of space waits, its memtable still frozen (and
 * still read), its segments still in the log: it is queued again once the volume has more space
 * free than after it failed (checked on each periodic sync and whenever a write needs the flush),
 * and by every {@link #flushAll}. Later memtables wait behind it, since flushes must complete in
 * order: each one discards every log segment up to its own. While one waits and the pending
 * flushes are all taken, writes are refused at once with the reason rather than stalled until
 * their clients time out. Any other failed flush stops the store; the frozen memtable's segments
 * stay in the log for the next start.
 */
final class Flusher {
    private static final Logger log = LoggerFactory.getLogger(Flusher.class);

    private final LsmOptions options;
    private final TableView view;
    private final TableFiles files;
    private final CommitLog commitLog;
    private final CompactionPicker picker;
    private final StoreStatus status;
    private final Executor executor;
    private final Runnable wakeCompaction;
    private final CrashPoints crashPoints;
    private final Clock clock;
    private final DiskSpace space;

    /** Memtables whose flush failed for want of space, or waits behind one that did; guarded by itself. */
    private final List<Memtable> waitingForSpace = new ArrayList<>();
    /** Free bytes on the tables' volume after the last flush failed for want of space. */
    private volatile long freeAfterFailure;

    /** Serialises memtable switches; {@link #flushed} wakes writers waiting for a flush slot. */
    private final ReentrantLock switchLock = new ReentrantLock();
    private final Condition flushed = switchLock.newCondition();

    private final LongAdder flushCount = new LongAdder();
    private final LongAdder writeStalls = new LongAdder();

    /**
     * @param executor runs the flushes
     * @param wakeCompaction called after each flush, and while a flush waits for a table slot
     */
    Flusher(LsmOptions options, TableView view, TableFiles files, CommitLog commitLog, CompactionPicker picker,
            StoreStatus status, Executor executor, Runnable wakeCompaction, CrashPoints crashPoints, Clock clock,
            DiskSpace space) {
        this.options = options;
        this.view = view;
        this.files = files;
        this.commitLog = commitLog;
        this.picker = picker;
        this.status = status;
        this.executor = executor;
        this.wakeCompaction = wakeCompaction;
        this.crashPoints = crashPoints;
        this.clock = clock;
        this.space = space;
        status.onStop(this::signalFlushed);
        status.onStop(view::wakeTableWaiters);
    }

    /**
     * Freezes a full memtable, first waiting (back-pressure) if too many are already waiting to flush.
     *
     * @throws StorageException when they wait for space that has not been freed
     */
    void makeRoom() {
        Memtable full = view.current().active();
        if (full.heapBytes() < options.memtableMaxBytes()) {
            return;
        }
        switchLock.lock();
        try {
            boolean stalled = false;
            while (view.current().active() == full && view.current().frozen().size() >= options.maxPendingFlushes()
                    && status.usable()) {
                if (waitsForSpace()) {
                    if (!retryIfSpaceFreed()) {
                        throw new StorageException("cannot take the write: " + view.current().frozen().size()
                                + " memtables wait for a flush that failed for want of space in " + files.dir() + " ("
                                + DiskSpace.freeBytes(files.dir()) + " bytes free); writes resume once space is freed");
                    }
                    continue; // an inline flush is done already; a queued one signals when it is
                }
                if (!stalled) {
                    writeStalls.increment();
                    stalled = true;
                }
                flushed.awaitUninterruptibly();
            }
            status.checkUsable();
            if (view.current().active() == full) {
                freezeActive();
            }
        } finally {
            switchLock.unlock();
        }
    }

    /**
     * Freezes the active memtable and waits until it and every memtable frozen before it are flushed,
     * first retrying the flushes that wait for space.
     *
     * @throws StorageException when a flush fails for want of space again
     */
    void flushAll() {
        switchLock.lock();
        try {
            retryWaitingForSpace();
            freezeActive();
            List<Memtable> waitFor = view.current().frozen();
            while (!status.failed() && !waitsForSpace() && !Collections.disjoint(view.current().frozen(), waitFor)) {
                flushed.awaitUninterruptibly();
            }
            if (!status.failed() && waitsForSpace()) {
                throw new StorageException("cannot flush: no space left in " + files.dir() + " ("
                        + DiskSpace.freeBytes(files.dir()) + " bytes free); the memtables stay, and their writes in the"
                        + " commit log, until space is freed");
            }
        } finally {
            switchLock.unlock();
        }
    }

    /**
     * Queues again the flushes that wait for space, when the tables' volume has more free than after
     * the last one failed; the store's periodic sync calls it. Returns whether it queued them.
     */
    boolean retryIfSpaceFreed() {
        if (!waitsForSpace() || DiskSpace.freeBytes(files.dir()) <= freeAfterFailure) {
            return false;
        }
        switchLock.lock(); // inline flushes run under it, one at a time
        try {
            retryWaitingForSpace();
        } finally {
            switchLock.unlock();
        }
        return true;
    }

    /** True while a flush waits for space. */
    boolean waitsForSpace() {
        synchronized (waitingForSpace) {
            return !waitingForSpace.isEmpty();
        }
    }

    /** Queues every flush that waits for space again, oldest memtable first. */
    private void retryWaitingForSpace() {
        List<Memtable> again;
        synchronized (waitingForSpace) {
            if (waitingForSpace.isEmpty()) {
                return;
            }
            again = new ArrayList<>(waitingForSpace);
            waitingForSpace.clear();
        }
        List<Memtable> order = view.current().frozen();
        again.sort(Comparator.comparingInt(order::indexOf));
        for (Memtable m : again) {
            executor.execute(() -> flush(m));
        }
    }

    private void waitForSpace(Memtable memtable) {
        synchronized (waitingForSpace) {
            if (!waitingForSpace.contains(memtable)) {
                waitingForSpace.add(memtable);
            }
        }
    }

    /** [switchLock held] Freezes the active memtable, if it has anything, and queues its flush. */
    private void freezeActive() {
        Memtable frozen;
        ReentrantLock appendLock = commitLog.appendLock();
        appendLock.lock();
        try {
            frozen = view.freezeActive(commitLog::rollLocked);
        } finally {
            appendLock.unlock();
        }
        if (frozen != null) {
            executor.execute(() -> flush(frozen));
        }
    }

    private void flush(Memtable memtable) {
        try {
            if (status.failed()) {
                return;
            }
            List<Memtable> frozen = view.current().frozen();
            if (!frozen.isEmpty() && frozen.get(0) != memtable) {
                // An older memtable waits for space (flushes run one at a time, in order, so nothing
                // else can be older): flushing this one first would discard the log segments that
                // the older one still needs.
                waitForSpace(memtable);
                return;
            }
            memtable.awaitWriters();
            awaitTableSlot();
            long start = clock.nanoTime();
            SSTableReader table = files.writeLevel0(memtable.groups(new KeyInterval(null, null)),
                    memtable.lastSegmentId());
            crashPoints.reached(CrashPoints.FLUSH_TABLE_WRITTEN);
            view.flushed(memtable, table);
            commitLog.discardThrough(memtable.lastSegmentId());
            flushCount.increment();
            log.info("Flushed memtable to {}: {} keys, {} records, {} bytes in {} ms", table,
                    table.metadata().keyCount(), table.metadata().recordCount(), table.sizeBytes(),
                    TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start));
            space.available(DiskSpace.Need.FLUSH);
            if (space.episode() != null) {
                commitLog.retrySpare(); // there was room for a table: maybe for the segment that failed too
            }
            retryWaitingForSpace(); // those that waited behind this one, or that a retry queued after a newer one
        } catch (RuntimeException | Error e) {
            if (DiskSpace.isFull(e)) {
                // The half-written table is gone already (the writer deletes it on failure).
                freeAfterFailure = DiskSpace.freeBytes(files.dir());
                space.full(DiskSpace.Need.FLUSH, files.dir(), e);
                waitForSpace(memtable);
            } else {
                status.fail("flush of a memtable", e);
            }
        } finally {
            signalFlushed();
        }
        wakeCompaction.run();
    }

    /**
     * Holds a flush while the store has {@code storage.max_open_files} tables and compaction can
     * lower the count (near the limit it merges the smallest tables, or level 0, first). A leveled
     * store whose data needs more tables than the limit keeps writing: the limit then asks for
     * larger {@code storage.leveled_table_bytes}, not for stopped writes.
     */
    private void awaitTableSlot() {
        try {
            view.awaitTableSlot(() -> {
                List<SSTableReader> tables = view.tables();
                if (tables.size() < options.maxOpenFiles() || picker.next(TableView.compactable(tables)) == null
                        || !status.working()) {
                    return false;
                }
                writeStalls.increment();
                wakeCompaction.run();
                return true;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting for compaction to free a table slot", e);
        }
    }

    private void signalFlushed() {
        switchLock.lock();
        try {
            flushed.signalAll();
        } finally {
            switchLock.unlock();
        }
    }

    long flushes() {
        return flushCount.sum();
    }

    long writeStalls() {
        return writeStalls.sum();
    }
}
