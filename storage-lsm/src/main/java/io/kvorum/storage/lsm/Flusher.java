package io.kvorum.storage.lsm;

import io.kvorum.core.Clock;
import io.kvorum.storage.KeyInterval;
import io.kvorum.storage.StorageException;
import java.util.Collections;
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
 * <p>A failed flush stops the store; the frozen memtable's segments stay in the log for the next start.
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
            StoreStatus status, Executor executor, Runnable wakeCompaction, CrashPoints crashPoints, Clock clock) {
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
        status.onStop(this::signalFlushed);
        status.onStop(view::wakeTableWaiters);
    }

    /** Freezes a full memtable, first waiting (back-pressure) if too many are already waiting to flush. */
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

    /** Freezes the active memtable and waits until it and every memtable frozen before it are flushed. */
    void flushAll() {
        switchLock.lock();
        try {
            freezeActive();
            List<Memtable> waitFor = view.current().frozen();
            while (!status.failed() && !Collections.disjoint(view.current().frozen(), waitFor)) {
                flushed.awaitUninterruptibly();
            }
        } finally {
            switchLock.unlock();
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
        } catch (RuntimeException | Error e) {
            status.fail("flush of a memtable", e);
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
                if (tables.size() < options.maxOpenFiles() || picker.next(tables) == null || !status.working()) {
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
