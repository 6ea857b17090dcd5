package io.kvorum.storage.lsm;

import io.kvorum.core.Clock;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.KeyInterval;
import io.kvorum.storage.StorageException;
import io.kvorum.storage.TokenRangeSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops every key outside some token ranges ({@link LsmStore#retainOnly}), as a node does once
 * ranges it no longer replicates have moved away.
 *
 * <p><b>Cleanup.</b> Flushes, then visits every table whose key span is not wholly inside the kept
 * ranges, one at a time under the compaction lock: a table with no dropped key stays, one with only
 * dropped keys is deleted, any other is rewritten at its level without them, paced like a
 * compaction. Each table is replaced through a {@link CompactionTxn} of one input and at most one
 * output, like a compaction's, so a crash leaves it old or new. Background compaction goes on
 * between tables and drops the same keys from any table the cleanup has still to visit (the
 * cleanup registers its {@link Progress} with the {@link CompactionAgent}), so that a table merged
 * away before its turn is cleaned all the same.
 *
 * <p>Oldest tables go first: under size-tiered compaction they are the largest, the least likely
 * to be merged (and so cleaned) by a compaction meanwhile. One cleanup runs at a time.
 */
final class RangeCleanup {
    private static final Logger log = LoggerFactory.getLogger(RangeCleanup.class);

    private final Path dir;
    private final TableView view;
    private final TableFiles files;
    private final Flusher flusher;
    private final CompactionAgent compaction;
    private final StoreStatus status;
    private final CrashPoints crashPoints;
    private final Clock clock;
    private final DiskSpace space;
    /** One cleanup at a time. */
    private final ReentrantLock cleanupLock = new ReentrantLock();

    RangeCleanup(Path dir, TableView view, TableFiles files, Flusher flusher, CompactionAgent compaction,
                 StoreStatus status, CrashPoints crashPoints, Clock clock, DiskSpace space) {
        this.dir = dir;
        this.view = view;
        this.files = files;
        this.flusher = flusher;
        this.compaction = compaction;
        this.status = status;
        this.crashPoints = crashPoints;
        this.clock = clock;
        this.space = space;
    }

    /**
     * One running cleanup. The set of tables it has still to visit and its tallies are guarded by
     * the compaction lock, under which both the cleanup and compactions touch them.
     */
    static final class Progress {
        final TokenRangeSet keep;
        final List<KeyInterval> keptIntervals;
        final List<KeyInterval> droppedIntervals;
        /** Tables present when the cleanup began whose key span reaches outside {@link #keep}. */
        final Set<SSTableReader> suspects = new HashSet<>();
        long keysDropped;
        int rewritten;
        int deleted;
        int untouched;
        int mergedByCompaction;
        int leftDamaged;

        Progress(TokenRangeSet keep) {
            this.keep = keep;
            this.keptIntervals = keep.intervals();
            this.droppedIntervals = keep.complement().intervals();
        }
    }

    /** A table's key groups without those outside the kept ranges, counting what it leaves out. */
    static final class KeptOnly extends LookaheadIterator<KeyGroup> {
        private final Iterator<KeyGroup> source;
        private final TokenRangeSet keep;
        long droppedKeys;

        KeptOnly(Iterator<KeyGroup> source, TokenRangeSet keep) {
            this.source = source;
            this.keep = keep;
        }

        @Override
        protected KeyGroup computeNext() {
            while (source.hasNext()) {
                KeyGroup g = source.next();
                if (keep.contains(g.key().token())) {
                    return g;
                }
                droppedKeys++;
            }
            return null;
        }
    }

    /** See {@link LsmStore#retainOnly}. */
    long retainOnly(List<TokenRange> keep) {
        TokenRangeSet kept = TokenRangeSet.of(keep);
        status.checkUsable();
        cleanupLock.lock();
        try {
            status.checkUsable(); // it may have closed while this call waited for another cleanup
            long start = clock.nanoTime();
            flusher.flushAll();
            status.checkUsable();
            Progress c = new Progress(kept);
            long bytesBefore;
            List<SSTableReader> suspects = new ArrayList<>();
            ReentrantLock compactionLock = compaction.lock();
            compactionLock.lock();
            try {
                List<SSTableReader> tables = view.tables();
                bytesBefore = TableView.totalBytes(tables);
                for (SSTableReader t : tables) {
                    if (!kept.containsAll(t.firstKey().token(), t.lastKey().token())) {
                        suspects.add(t);
                    }
                }
                c.untouched = tables.size() - suspects.size();
                c.suspects.addAll(suspects);
                compaction.setCleanup(c);
            } finally {
                compactionLock.unlock();
            }
            suspects.sort(Comparator.comparingLong(SSTableReader::generation));
            try {
                for (SSTableReader t : suspects) {
                    if (!cleanOne(t, c)) {
                        break;
                    }
                    crashPoints.reached(CrashPoints.CLEANUP_TABLE_DONE);
                }
            } catch (RuntimeException | Error e) {
                if (DiskSpace.isFull(e)) {
                    // The table being cleaned was rolled back; those done stay done.
                    space.failedOnce("a cleanup", files.dir(), e);
                    throw new StorageException("cleanup of store " + dir + " stopped for want of space in "
                            + files.dir() + " (" + DiskSpace.freeBytes(files.dir()) + " bytes free); nothing was lost,"
                            + " and running it again once space is freed finishes it", e);
                }
                status.fail("cleanup", e);
            } finally {
                compactionLock.lock();
                try {
                    compaction.setCleanup(null);
                } finally {
                    compactionLock.unlock();
                }
            }
            status.checkUsable();
            log.info("Cleaned up store {}, keeping {}: rewrote {} SSTables, deleted {}, left {} untouched and {} damaged"
                            + " as they were, {} merged meanwhile by compactions; dropped {} keys; SSTables {} bytes"
                            + " before, {} after; in {} ms",
                    dir, kept, c.rewritten, c.deleted, c.untouched, c.leftDamaged, c.mergedByCompaction, c.keysDropped,
                    bytesBefore,
                    TableView.totalBytes(view.tables()), TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start));
            return c.keysDropped;
        } finally {
            cleanupLock.unlock();
        }
    }

    /** Cleans one table under the compaction lock; false when the store is stopping or stopped. */
    private boolean cleanOne(SSTableReader t, Progress c) {
        ReentrantLock compactionLock = compaction.lock();
        compactionLock.lock();
        try {
            if (!status.working()) {
                return false;
            }
            // Tables leave the view only under this lock: if it is there now, it stays until we are done.
            if (!view.tables().contains(t) || !t.tryRef()) {
                c.mergedByCompaction++;
                return true;
            }
            try {
                return cleanReferenced(t, c);
            } catch (CorruptDataException e) {
                if (!t.isDamaged()) {
                    throw e;
                }
                leaveDamaged(t, c, e.getMessage()); // rolled back: nothing lost
                return true;
            } finally {
                c.suspects.remove(t);
                t.unref();
            }
        } finally {
            compactionLock.unlock();
        }
    }

    /** [compaction lock held, {@code t} referenced] Replaces {@code t} by its kept keys; false when stopped. */
    private boolean cleanReferenced(SSTableReader t, Progress c) {
        Key first = t.firstKey();
        Key last = t.lastKey();
        boolean keepsSome = c.keep.intersects(first.token(), last.token());
        if (keepsSome && !holdsAny(t, c.droppedIntervals)) {
            // Its span straddles dropped ranges but no key falls in them: rewriting would copy it.
            c.untouched++;
            return true;
        }
        if (keepsSome && t.isDamaged()) {
            leaveDamaged(t, c, "it has " + t.damagedBlocks() + " damaged data block(s)");
            return true;
        }
        CompactionTxn txn = files.beginReplacement(new long[] {t.generation()});
        List<SSTableReader> outputs = new ArrayList<>(1);
        SSTableWriter writer = null;
        try {
            if (keepsSome) {
                for (KeyInterval interval : c.keptIntervals) {
                    if (!interval.overlaps(first, last)) {
                        continue;
                    }
                    for (Iterator<KeyGroup> groups = t.scan(interval); groups.hasNext(); ) {
                        if (status.stopping()) {
                            log.info("Cleanup of {} stopped: the store is closing", t);
                            if (writer != null) {
                                writer.abort();
                            }
                            TableView.rollBack(txn, outputs);
                            return false;
                        }
                        KeyGroup g = groups.next();
                        if (writer == null) {
                            long generation = files.nextGeneration();
                            txn.addOutput(generation);
                            writer = files.pacedWriter(generation);
                        }
                        writer.append(g.key(), g.records());
                    }
                }
                if (writer != null) {
                    // Same level and a sub-span of the input: a leveled store's levels stay disjoint.
                    outputs.add(writer.finish(t.metadata().replayedThroughSegment(), t.level(), files.cache()));
                    writer = null;
                }
            }
            crashPoints.reached(CrashPoints.CLEANUP_OUTPUT_WRITTEN);
            txn.commit();
            crashPoints.reached(CrashPoints.CLEANUP_COMMITTED);
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.abort();
            }
            TableView.rollBack(txn, outputs);
            throw e;
        }
        long keptKeys = outputs.isEmpty() ? 0 : outputs.get(0).metadata().keyCount();
        c.keysDropped += t.metadata().keyCount() - keptKeys;
        if (outputs.isEmpty()) {
            c.deleted++;
        } else {
            c.rewritten++;
        }
        view.replace(List.of(t), outputs, txn);
        return true;
    }

    /**
     * Leaves a damaged table that keeps some keys as it is: rewriting it would drop the damaged
     * block's kept keys with the rest, as a compaction would (see {@link CompactionAgent}). Its keys
     * of dropped ranges stay until the table is replaced; a table with only dropped keys is still
     * deleted, as nothing in it is this node's any more.
     */
    private static void leaveDamaged(SSTableReader t, Progress c, String why) {
        c.leftDamaged++;
        log.warn("Cleanup leaves SSTable {} as it is, with its keys of dropped ranges: {}", t, why);
    }

    /** True when {@code t} has a key in one of {@code intervals}; reads at most a block or two per interval. */
    private static boolean holdsAny(SSTableReader t, List<KeyInterval> intervals) {
        for (KeyInterval i : intervals) {
            if (i.overlaps(t.firstKey(), t.lastKey()) && t.scan(i).hasNext()) {
                return true;
            }
        }
        return false;
    }
}
