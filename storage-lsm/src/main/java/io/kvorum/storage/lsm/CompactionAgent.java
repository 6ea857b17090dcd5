package io.kvorum.storage.lsm;

import io.kvorum.core.Agent;
import io.kvorum.core.Clock;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.storage.KeyInterval;
import io.kvorum.storage.StorageException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges tables in the background, as an {@link Agent}: each {@link #doWork} asks the picker for
 * the compaction due and runs it, or returns 0 when none is. An {@link io.kvorum.core.AgentRunner}
 * calls it on the store's compaction thread at its own pace, woken early after each flush.
 *
 * <p><b>Compaction.</b> Size-tiered by default ({@link SizeTieredPicker}), leveled as an option
 * ({@link LeveledPicker}); one at a time, paced by
 * {@code storage.compaction_throughput_bytes_per_second}. Merging resolves each key, so obsolete
 * records disappear; a tombstone goes only once {@code storage.tombstone_gc_grace_ms} has passed
 * and no memtable or other table may still hold its key. The outputs replace the inputs through a
 * {@link CompactionTxn}, so a crash leaves the inputs or all of the outputs, never a mix.
 *
 * <p><b>The compaction lock</b> is held by each compaction, background or major ({@link #compactAll},
 * on its caller's thread), and by each step of a {@link RangeCleanup}: no table is compacted and
 * cleaned at once, and close waits on it for work running on a caller's thread. A running cleanup
 * registers here, so that a compaction drops the cleanup's keys from the tables it has yet to visit
 * (otherwise they would move into an output the cleanup no longer looks at).
 *
 * <p>A compaction gives up at its next key group once the store is stopping, rolling back. A full
 * disk rolls it back too, and it is tried again once there is room ({@link DiskSpace}); any other
 * I/O error stops the store (fail-stop), and the runner counts the error as well.
 *
 * <p><b>Damaged tables are left out.</b> A table with a damaged data block is never an input: the
 * picker only sees the others ({@link TableView#compactable}), and a compaction that meets a damaged
 * block not known before rolls back, nothing lost, and the table is left out from then on (logged
 * once per table). The two other choices are worse. Merging past the block would drop its records
 * silently: a compaction's output replaces its inputs, so the damage would turn into a loss that no
 * checksum reports any more. Stopping the store, as for an I/O error, would make every key of the
 * node unreadable for the sake of one block's keys. Left in place, the table's readable blocks go
 * on serving reads, the damaged block's keys are answered incomplete until read repair restores
 * them from other replicas, and the damage stays visible (the store's health counts it). The price:
 * the table's obsolete records and space stay until it is replaced by hand, and in a leveled store
 * a level may overlap it (reads do not rely on levels being disjoint, only compaction's choices do).
 */
final class CompactionAgent implements Agent {
    private static final Logger log = LoggerFactory.getLogger(CompactionAgent.class);

    /**
     * How long the agent waits, when nothing is due, before it asks the picker again. Each flush
     * wakes it, so this is not its pace but a safety net for what no wake announces: a compaction
     * that gave up because a cleanup took its input, tables that a cleanup rewrote. Asking costs a
     * pure function of the table list.
     */
    static final long IDLE_INTERVAL_MS = 1_000;
    /** Compactions in one turn before the runner hands its thread back (and then takes it again at once). */
    static final int MAX_COMPACTIONS_PER_TURN = 16;

    private final TableView view;
    private final TableFiles files;
    private final CompactionPicker picker;
    private final long tombstoneGcGraceMs;
    private final StoreStatus status;
    private final CrashPoints crashPoints;
    private final Clock clock;
    private final DiskSpace space;

    private final ReentrantLock lock = new ReentrantLock();
    /** The running cleanup, or null; written under {@link #lock}, read by compactions under it. */
    private volatile RangeCleanup.Progress cleanup;

    private final LongAdder compactionCount = new LongAdder();
    private final LongAdder tombstonesPurged = new LongAdder();
    /** Generations of the damaged tables already announced as left out of compactions. */
    private final Set<Long> leftOut = ConcurrentHashMap.newKeySet();

    CompactionAgent(TableView view, TableFiles files, CompactionPicker picker, long tombstoneGcGraceMs,
                    StoreStatus status, CrashPoints crashPoints, Clock clock, DiskSpace space) {
        this.view = view;
        this.files = files;
        this.picker = picker;
        this.tombstoneGcGraceMs = tombstoneGcGraceMs;
        this.status = status;
        this.crashPoints = crashPoints;
        this.clock = clock;
        this.space = space;
    }

    @Override
    public String name() {
        return "compaction";
    }

    /** Runs the compaction due, if any; 1 when it ran, 0 when none was due or it gave up. */
    @Override
    public int doWork() {
        if (!status.working()) {
            return 0;
        }
        try {
            CompactionPicker.Compaction<SSTableReader> next = picker.next(compactable());
            if (next == null) {
                space.available(DiskSpace.Need.COMPACTION); // none due: none waits for space either
                return 0;
            }
            if (!roomFor(next)) {
                return 0;
            }
            return compact(next) ? 1 : 0;
        } catch (RuntimeException | Error e) {
            if (DiskSpace.isFull(e)) {
                // Rolled back, its partial output deleted: it runs again once there is room.
                space.full(DiskSpace.Need.COMPACTION, files.dir(), e);
                return 0;
            }
            status.fail("compaction", e);
            throw e;
        }
    }

    /**
     * While the disk is full, a compaction is tried only when the volume has room for its inputs'
     * bytes, the most its output can take: otherwise each turn would write until the disk is full
     * again, for nothing.
     */
    private boolean roomFor(CompactionPicker.Compaction<SSTableReader> c) {
        if (space.episode() == null) {
            return true;
        }
        long needed = c.inputs().stream().mapToLong(SSTableReader::sizeBytes).sum();
        long free = DiskSpace.freeBytes(files.dir());
        return free < 0 || free >= needed;
    }

    /**
     * Merges every SSTable but the damaged ones (a major compaction) on the calling thread; the store
     * stops if it fails, save for want of space, which rolls it back and throws.
     * The caller checks that the store is usable before and after.
     *
     * @throws StorageException when the volume is too full for its output
     */
    void compactAll() {
        try {
            CompactionPicker.Compaction<SSTableReader> all = picker.major(compactable());
            if (all != null) {
                compact(all);
            }
        } catch (RuntimeException | Error e) {
            if (DiskSpace.isFull(e)) {
                space.failedOnce("a major compaction", files.dir(), e);
                throw new StorageException("major compaction stopped for want of space in " + files.dir() + " ("
                        + DiskSpace.freeBytes(files.dir()) + " bytes free); it was rolled back and nothing was lost", e);
            }
            status.fail("major compaction", e);
        }
    }

    /** Held by each compaction and each cleanup step. */
    ReentrantLock lock() {
        return lock;
    }

    /** [lock held] Makes compactions drop the keys of {@code progress} from the tables it has yet to visit, or stop (null). */
    void setCleanup(RangeCleanup.Progress progress) {
        cleanup = progress;
    }

    /** Returns once no compaction or cleanup step is running; for close, after the store is stopping. */
    void awaitIdle() {
        lock.lock();
        lock.unlock();
    }

    /** The current tables less the damaged ones, announcing each table the first time it is left out. */
    private List<SSTableReader> compactable() {
        List<SSTableReader> tables = view.tables();
        List<SSTableReader> healthy = TableView.compactable(tables);
        if (healthy.size() < tables.size()) {
            for (SSTableReader t : tables) {
                if (t.isDamaged() && leftOut.add(t.generation())) {
                    log.warn("SSTable {} has {} damaged data block(s): compactions leave it out from now on, so that"
                            + " its records are never merged away with the damaged ones; reads still use it", t,
                            t.damagedBlocks());
                }
            }
        }
        return healthy;
    }

    /**
     * Runs one compaction; false when it was stopped, its inputs had changed meanwhile, or it met a
     * damaged block (rolled back: the table is left out from then on).
     */
    private boolean compact(CompactionPicker.Compaction<SSTableReader> c) {
        List<SSTableReader> inputs = c.inputs();
        lock.lock();
        try {
            if (!TableView.refAll(inputs)) {
                return false;
            }
            try {
                return compactReferenced(c);
            } catch (CorruptDataException e) {
                List<SSTableReader> damaged = inputs.stream().filter(SSTableReader::isDamaged).toList();
                if (damaged.isEmpty()) {
                    throw e; // not a table's block: nothing to leave out, so fail as for any error
                }
                for (SSTableReader t : damaged) {
                    if (leftOut.add(t.generation())) {
                        log.warn("Compaction of {} gave up, rolled back with nothing lost: {}; compactions leave {} out"
                                + " from now on", inputs, e.getMessage(), t);
                    }
                }
                return false;
            } finally {
                for (SSTableReader t : inputs) {
                    t.unref();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean compactReferenced(CompactionPicker.Compaction<SSTableReader> c) {
        List<SSTableReader> inputs = c.inputs();
        long start = clock.nanoTime();
        long nowMillis = clock.nowMillis();
        Set<SSTableReader> inputSet = Set.copyOf(inputs);
        if (!view.containsAll(inputSet)) {
            return false;
        }
        List<Iterator<KeyGroup>> sources = new ArrayList<>();
        List<RangeCleanup.KeptOnly> cleaned = new ArrayList<>();
        RangeCleanup.Progress running = cleanup;
        long replayedThrough = -1;
        long inputBytes = 0;
        for (SSTableReader t : inputs) {
            Iterator<KeyGroup> source = t.scan(new KeyInterval(null, null));
            if (running != null && running.suspects.contains(t)) {
                // The cleanup has yet to visit this table: drop its keys here, or they would move
                // into an output that the cleanup no longer looks at.
                RangeCleanup.KeptOnly kept = new RangeCleanup.KeptOnly(source, running.keep);
                cleaned.add(kept);
                source = kept;
            }
            sources.add(source);
            replayedThrough = Math.max(replayedThrough, t.metadata().replayedThroughSegment());
            inputBytes += t.sizeBytes();
        }
        Iterator<KeyGroup> merged = new MergingIterator(sources);

        CompactionTxn txn = files.beginReplacement(inputs.stream().mapToLong(SSTableReader::generation).toArray());
        List<SSTableReader> outputs = new ArrayList<>();
        SSTableWriter writer = null;
        try {
            while (merged.hasNext()) {
                if (status.stopping()) {
                    log.info("Compaction of {} stopped: the store is closing", inputs);
                    if (writer != null) {
                        writer.abort();
                    }
                    TableView.rollBack(txn, outputs);
                    return false;
                }
                KeyGroup g = merged.next();
                List<Record> kept = purgeExpiredTombstones(g, nowMillis, inputSet);
                if (kept.isEmpty()) {
                    continue;
                }
                if (writer == null) {
                    long generation = files.nextGeneration();
                    txn.addOutput(generation);
                    writer = files.pacedWriter(generation);
                }
                writer.append(g.key(), kept);
                if (writer.bytesWritten() >= c.maxOutputBytes()) {
                    outputs.add(writer.finish(replayedThrough, c.outputLevel(), files.cache()));
                    writer = null;
                }
            }
            if (writer != null) {
                outputs.add(writer.finish(replayedThrough, c.outputLevel(), files.cache()));
                writer = null;
            }
            crashPoints.reached(CrashPoints.COMPACTION_OUTPUT_WRITTEN);
            txn.commit();
            crashPoints.reached(CrashPoints.COMPACTION_COMMITTED);
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.abort();
            }
            TableView.rollBack(txn, outputs);
            throw e;
        }
        view.replace(inputSet, outputs, txn);
        if (!outputs.isEmpty()) {
            space.available(DiskSpace.Need.COMPACTION);
        }
        long droppedKeys = 0;
        for (RangeCleanup.KeptOnly k : cleaned) {
            droppedKeys += k.droppedKeys;
        }
        if (running != null) {
            running.keysDropped += droppedKeys;
        }
        compactionCount.increment();
        long outputBytes = outputs.stream().mapToLong(SSTableReader::sizeBytes).sum();
        log.info("Compacted {} SSTables ({} bytes) into {} at level {} ({} bytes{}) in {} ms", inputs.size(),
                inputBytes, outputs, c.outputLevel(), outputBytes,
                cleaned.isEmpty() ? "" : "; dropped " + droppedKeys + " keys for the running cleanup",
                TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start));
        return true;
    }

    /**
     * Drops tombstones older than the grace period whose key no memtable and no table outside the
     * compaction may hold: anything such a tombstone superseded is then gone with it.
     */
    private List<Record> purgeExpiredTombstones(KeyGroup g, long nowMillis, Set<SSTableReader> inputs) {
        List<Record> kept = null;
        Boolean elsewhere = null;
        List<Record> records = g.records();
        for (int i = 0; i < records.size(); i++) {
            Record r = records.get(i);
            boolean expired = r.isTombstone() && nowMillis - r.timestampMillis() >= tombstoneGcGraceMs;
            if (expired && elsewhere == null) {
                elsewhere = view.mayExistOutside(g.key(), inputs);
            }
            if (expired && !elsewhere) {
                if (kept == null) {
                    kept = new ArrayList<>(records.subList(0, i));
                }
                tombstonesPurged.increment();
            } else if (kept != null) {
                kept.add(r);
            }
        }
        return kept == null ? records : kept;
    }

    long compactions() {
        return compactionCount.sum();
    }

    long tombstonesPurged() {
        return tombstonesPurged.sum();
    }
}
