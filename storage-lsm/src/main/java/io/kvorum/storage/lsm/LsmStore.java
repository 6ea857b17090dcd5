package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.Causality;
import io.kvorum.core.Clock;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.ExecutorScheduler;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.RecordCodec;
import io.kvorum.core.Scheduler;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import io.kvorum.storage.KeyInterval;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.StorageException;
import io.kvorum.storage.TokenRangeSet;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's durable {@link ReplicaStore}: a log-structured merge tree ordered by ring token.
 *
 * <p><b>Write path.</b> A batch is encoded once, appended to the {@link CommitLog} as one entry and
 * inserted into the active {@link Memtable}; a durable batch then waits for the log's group
 * commit. The log's append lock also picks the memtable, so an entry and its memtable change
 * together: when a memtable is frozen the log rolls to a new segment, and the frozen memtable owns
 * exactly the segments before it. A full memtable is frozen and flushed to an SSTable in the
 * background; writers only wait when {@code storage.memtable_max_pending_flushes} are already
 * queued. Flushes complete in order, so after each one every segment it covers can go.
 *
 * <p><b>Read path.</b> Memtables, then every SSTable whose key range and Bloom filter admit the
 * key. Unlike a last-writer-wins engine a read cannot stop at the newest hit: a key's value is the
 * union of its records everywhere, resolved. Data blocks come through a shared byte-bounded cache.
 *
 * <p><b>Compaction.</b> Size-tiered by default ({@link SizeTieredPicker}), leveled as an option
 * ({@link LeveledPicker}); one at a time on a background thread, paced by
 * {@code storage.compaction_throughput_bytes_per_second}. Merging resolves each key, so obsolete
 * records disappear; a tombstone goes only once {@code storage.tombstone_gc_grace_ms} has passed
 * and no memtable or other table may still hold its key.
 *
 * <p><b>Cleanup.</b> {@link #retainOnly} flushes, then visits every table whose key span is not
 * wholly inside the kept ranges, one at a time under the compaction lock: a table with no dropped key
 * stays, one with only dropped keys is deleted, any other is rewritten without them. Each table is
 * replaced through a {@link CompactionTxn} like a compaction's, so a crash leaves it old or new.
 * Background compaction goes on between tables and drops the same keys from any table the cleanup
 * has still to visit, so that a table merged away before its turn is cleaned all the same.
 *
 * <p><b>Crashes.</b> A flushed table records the last log segment it covers, so replay skips what
 * was flushed; a table is written under a temporary name and renamed only once durable; a
 * compaction, which may write several tables, keeps a {@link CompactionTxn} log so that a crash
 * leaves its inputs or all of its outputs, never a mix. Opening resolves interrupted compactions,
 * replays the log, flushes the result and trims the log, so each start begins from tables alone.
 *
 * <p><b>Failures.</b> An I/O error in a flush or compaction, or a corrupt block found by one, stops
 * the store (fail-stop, as Cassandra's {@code disk_failure_policy: stop}): later calls throw
 * {@link StorageException} naming the cause, and nothing more is written until an operator looks.
 *
 * <p>Directory layout: {@code commitlog/}, {@code sstables/} and a {@code LOCK} file that keeps a
 * second process (or store) off the same directory.
 */
public final class LsmStore implements ReplicaStore {
    private static final Logger log = LoggerFactory.getLogger(LsmStore.class);

    static final String COMMITLOG_DIR = "commitlog";
    static final String SSTABLE_DIR = "sstables";
    private static final String LOCK_FILE = "LOCK";
    private static final int MIN_BODY_BYTES = 12;
    private static final int ENCODE_BUFFER_KEEP_BYTES = 1 << 20;

    private final Path dir;
    private final Path tableDir;
    private final LsmOptions options;
    private final RecordLimits limits;
    private final Clock clock;
    private final BlockCache cache;
    private final RateLimiter compactionLimiter;
    private final CompactionPicker picker;
    private final Executor flushExecutor;
    private final Executor compactionExecutor;
    private final List<ExecutorService> ownedExecutors;
    private final ExecutorScheduler ownedScheduler;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final CommitLog commitLog;
    private final AtomicLong nextGeneration;
    private final ThreadLocal<byte[]> encodeBuffers = ThreadLocal.withInitial(() -> new byte[4096]);

    /** Guards replacing {@link #view}; each change derives the new view from the current one. */
    private final Object viewLock = new Object();
    private volatile View view;

    /** Serialises memtable switches; {@link #flushed} wakes writers waiting for a flush slot. */
    private final ReentrantLock switchLock = new ReentrantLock();
    private final Condition flushed = switchLock.newCondition();
    /** Held by each compaction and by each step of a cleanup: no table is compacted and cleaned at once. */
    private final ReentrantLock compactionLock = new ReentrantLock();
    /** One {@link #retainOnly} at a time. */
    private final ReentrantLock cleanupLock = new ReentrantLock();
    /** The running cleanup, or null; written under {@link #compactionLock}, read by compactions under it. */
    private volatile Cleanup cleanup;
    /** Signalled whenever a compaction lowers the table count, for flushes waiting under max_open_files. */
    private final Object tableSlots = new Object();
    private final AtomicInteger compactionRequests = new AtomicInteger();
    private volatile Scheduler.Cancellable periodicSync;
    /** Set under the log's append lock, so no append can slip in after close has begun. */
    private volatile boolean closed;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private boolean released;
    volatile CrashPoints crashPoints = CrashPoints.NONE;

    private final LongAdder flushCount = new LongAdder();
    private final LongAdder compactionCount = new LongAdder();
    private final LongAdder writeStalls = new LongAdder();
    private final LongAdder tombstonesPurged = new LongAdder();

    /** What reads see: the memtables and tables of one instant. Tables newest generation first. */
    private record View(Memtable active, List<Memtable> frozen, List<SSTableReader> tables) {
    }

    public static LsmStore open(Path dir, LsmOptions options) {
        return builder(dir).options(options).open();
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** How to open a store; everything but the directory has a production default. */
    public static final class Builder {
        private final Path dir;
        private LsmOptions options = LsmOptions.defaults();
        private Clock clock = Clock.system();
        private Scheduler scheduler;
        private boolean inline;
        private Executor flushExecutor;

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder options(LsmOptions options) {
            this.options = options;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Runs the periodic commit-log sync. Default: a daemon thread owned by the store. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Runs flushes, compactions and log segment allocation on the thread that causes them, for
         * deterministic tests. Without an explicit {@link #scheduler} there is then no periodic
         * sync: only durable writes and close sync the log.
         */
        public Builder inlineBackgroundWork() {
            this.inline = true;
            return this;
        }

        /** Runs flushes on {@code executor} instead: tests hold flushes back to observe back-pressure. */
        Builder flushExecutor(Executor executor) {
            this.flushExecutor = executor;
            return this;
        }

        /**
         * Opens the store: finishes any interrupted compaction, replays the commit log, flushes
         * what it replayed.
         *
         * @throws StorageException when the directory is in use or unreadable
         * @throws CorruptDataException when a table or the log is damaged (the log according to
         *         {@code storage.commitlog_corruption_policy})
         */
        public LsmStore open() {
            return new LsmStore(this);
        }
    }

    private LsmStore(Builder b) {
        this.dir = b.dir;
        this.tableDir = dir.resolve(SSTABLE_DIR);
        Path logDir = dir.resolve(COMMITLOG_DIR);
        this.options = b.options;
        this.limits = new RecordLimits(options.maxKeyBytes(), options.maxValueBytes());
        this.clock = b.clock;
        this.cache = new BlockCache(options.blockCacheBytes());
        this.compactionLimiter = new RateLimiter(options.compactionBytesPerSecond(), clock);
        this.picker = CompactionPicker.of(options);
        Executor flush;
        Executor allocator;
        if (b.inline) {
            flush = Runnable::run;
            compactionExecutor = Runnable::run;
            allocator = Runnable::run;
            ownedExecutors = List.of();
        } else {
            ExecutorService f = singleThread("kvorum-flush");
            ExecutorService c = singleThread("kvorum-compaction");
            ExecutorService a = singleThread("kvorum-commitlog-allocator");
            flush = f;
            compactionExecutor = c;
            allocator = a;
            ownedExecutors = List.of(f, c, a);
        }
        this.flushExecutor = b.flushExecutor != null ? b.flushExecutor : flush;
        this.ownedScheduler = b.scheduler == null && !b.inline ? new ExecutorScheduler("kvorum-commitlog-sync") : null;
        Scheduler scheduler = b.scheduler != null ? b.scheduler : ownedScheduler;

        FileChannel lc = null;
        FileLock fl = null;
        List<SSTableReader> tables = new ArrayList<>();
        try {
            Files.createDirectories(tableDir);
            Files.createDirectories(logDir);
            lc = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                fl = lc.tryLock();
            } catch (OverlappingFileLockException e) {
                fl = null;
            }
            if (fl == null) {
                throw new StorageException("data directory " + dir + " is in use by another store (" + LOCK_FILE
                        + " is held)");
            }
            long startNanos = clock.nanoTime();
            long replayedThrough = openTables(tables);
            this.nextGeneration = new AtomicLong(nextGenerationAfter(tables));

            Memtable recovered = new Memtable();
            CommitLog.ReplayResult replay = CommitLog.replay(logDir, replayedThrough, options.corruptionPolicy(),
                    (segment, payload) -> {
                        for (Record r : decodeBatch(payload)) {
                            recovered.put(r);
                        }
                    });
            long lastSegment = Math.max(replay.maxSegmentId(), replayedThrough);
            if (!recovered.isEmpty()) {
                tables.add(writeTable(memtableGroups(recovered), lastSegment));
            }
            this.commitLog = CommitLog.create(logDir, lastSegment + 1, options.commitLogSegmentBytes(), allocator);
            commitLog.discardThrough(lastSegment);
            tables.sort(Comparator.comparingLong(SSTableReader::generation).reversed());
            this.view = new View(new Memtable(), List.of(), List.copyOf(tables));
            this.lockChannel = lc;
            this.lock = fl;
            log.info("Opened store {}: {} SSTables ({} bytes); replayed {} entries from {} commit log segments"
                            + " ({} torn bytes discarded) in {} ms", dir, tables.size(), totalBytes(tables),
                    replay.entriesReplayed(), replay.segmentsReplayed(), replay.tornBytesDiscarded(),
                    TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startNanos));
        } catch (IOException e) {
            abandonOpen(tables, fl, lc);
            throw new StorageException("cannot open store at " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            abandonOpen(tables, fl, lc);
            throw e;
        }
        if (scheduler != null) {
            periodicSync = scheduler.scheduleWithFixedDelay(this::periodicSync, options.commitLogSyncPeriodMs(),
                    options.commitLogSyncPeriodMs(), TimeUnit.MILLISECONDS);
        }
        scheduleCompaction();
    }

    private void abandonOpen(List<SSTableReader> tables, FileLock fl, FileChannel lc) {
        for (SSTableReader t : tables) {
            t.unref();
        }
        try {
            if (fl != null) {
                fl.release();
            }
            if (lc != null) {
                lc.close();
            }
        } catch (IOException ignored) {
            // the open already failed; that error is the one to report
        }
        shutdownOwnedThreads();
    }

    /**
     * Resolves interrupted compactions, deletes unfinished tables, opens every table, and returns
     * the last commit-log segment the tables cover.
     */
    private long openTables(List<SSTableReader> tables) throws IOException {
        CompactionTxn.recover(tableDir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tableDir)) {
            for (Path p : s) {
                if (p.getFileName().toString().endsWith(SSTableFormat.TMP_SUFFIX)) {
                    log.info("Deleting unfinished SSTable {} left by an interrupted flush", p);
                    Files.delete(p);
                } else if (SSTableFormat.generationOf(p) >= 0) {
                    files.add(p);
                }
            }
        }
        files.sort(Comparator.naturalOrder());
        long replayedThrough = -1;
        for (Path p : files) {
            SSTableReader t = SSTableReader.open(p, SSTableFormat.generationOf(p), cache);
            tables.add(t);
            replayedThrough = Math.max(replayedThrough, t.metadata().replayedThroughSegment());
        }
        return replayedThrough;
    }

    private static long nextGenerationAfter(List<SSTableReader> tables) {
        long max = 0;
        for (SSTableReader t : tables) {
            max = Math.max(max, t.generation());
        }
        return max + 1;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void apply(List<Record> records, Durability durability) {
        checkUsable();
        limits.check(records);
        if (records.isEmpty()) {
            return;
        }
        int length = encodeBatch(records);
        byte[] entry = encodeBuffers.get();
        CommitLog.frame(entry, length);
        maybeSwitchMemtable();

        long position;
        Memtable target;
        ReentrantLock appendLock = commitLog.appendLock();
        appendLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("store " + dir + " is closed");
            }
            position = commitLog.appendLocked(entry, length);
            target = view.active;
            target.beginWrite();
        } finally {
            appendLock.unlock();
        }
        if (entry.length > ENCODE_BUFFER_KEEP_BYTES) {
            encodeBuffers.remove();
        }
        try {
            for (Record r : records) {
                target.put(r);
            }
        } finally {
            target.endWrite();
        }
        if (durability == Durability.DURABLE) {
            commitLog.awaitDurable(position);
        }
    }

    /** Encodes a batch after the log's header room: varint count, then record bodies. Returns the entry length. */
    private int encodeBatch(List<Record> records) {
        int size = CommitLog.HEADER_BYTES + Bytes.varLongSize(records.size());
        for (Record r : records) {
            size += RecordCodec.bodySize(r);
        }
        byte[] buf = encodeBuffers.get();
        if (buf.length < size) {
            buf = new byte[Math.max(size, buf.length * 2)];
            encodeBuffers.set(buf);
        }
        int off = Bytes.putVarLong(buf, CommitLog.HEADER_BYTES, records.size());
        for (Record r : records) {
            off = RecordCodec.writeBody(r, buf, off);
        }
        return off;
    }

    private static List<Record> decodeBatch(ByteReader payload) {
        int n = payload.readVarInt(payload.remaining() / MIN_BODY_BYTES, "batch size");
        List<Record> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(RecordCodec.readBody(payload));
        }
        if (payload.remaining() != 0) {
            throw new CorruptDataException("commit log entry has " + payload.remaining() + " bytes after its batch");
        }
        return batch;
    }

    /** Freezes a full memtable, first waiting (back-pressure) if too many are already waiting to flush. */
    private void maybeSwitchMemtable() {
        Memtable full = view.active;
        if (full.heapBytes() < options.memtableMaxBytes()) {
            return;
        }
        switchLock.lock();
        try {
            boolean stalled = false;
            while (view.active == full && view.frozen.size() >= options.maxPendingFlushes() && usable()) {
                if (!stalled) {
                    writeStalls.increment();
                    stalled = true;
                }
                flushed.awaitUninterruptibly();
            }
            checkUsable();
            if (view.active == full) {
                freezeActive();
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
            synchronized (viewLock) {
                View v = view;
                if (v.active.isEmpty()) {
                    return;
                }
                frozen = v.active;
                frozen.freeze(commitLog.rollLocked());
                view = new View(new Memtable(), append(v.frozen, frozen), v.tables);
            }
        } finally {
            appendLock.unlock();
        }
        flushExecutor.execute(() -> flushFrozen(frozen));
    }

    private void flushFrozen(Memtable memtable) {
        try {
            if (failure != null) {
                return;
            }
            memtable.awaitWriters();
            awaitTableSlot();
            long start = clock.nanoTime();
            SSTableReader table = writeTable(memtableGroups(memtable), memtable.lastSegmentId());
            crashPoints.reached(CrashPoints.FLUSH_TABLE_WRITTEN);
            synchronized (viewLock) {
                View v = view;
                List<Memtable> frozen = new ArrayList<>(v.frozen);
                frozen.remove(memtable);
                view = new View(v.active, List.copyOf(frozen), prepend(table, v.tables));
            }
            commitLog.discardThrough(memtable.lastSegmentId());
            flushCount.increment();
            log.info("Flushed memtable to {}: {} keys, {} records, {} bytes in {} ms", table,
                    table.metadata().keyCount(), table.metadata().recordCount(), table.sizeBytes(),
                    TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start));
        } catch (RuntimeException | Error e) {
            fail("flush of a memtable", e);
        } finally {
            switchLock.lock();
            try {
                flushed.signalAll();
            } finally {
                switchLock.unlock();
            }
        }
        scheduleCompaction();
    }

    /**
     * Holds a flush while the store has {@code storage.max_open_files} tables and compaction can
     * lower the count (near the limit it merges the smallest tables, or level 0, first). A leveled
     * store whose data needs more tables than the limit keeps writing: the limit then asks for
     * larger {@code storage.leveled_table_bytes}, not for stopped writes.
     */
    private void awaitTableSlot() {
        synchronized (tableSlots) {
            while (view.tables.size() >= options.maxOpenFiles() && picker.next(view.tables) != null && !stopping
                    && failure == null) {
                writeStalls.increment();
                scheduleCompaction();
                try {
                    tableSlots.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StorageException("interrupted while waiting for compaction to free a table slot", e);
                }
            }
        }
    }

    private static Iterator<KeyGroup> memtableGroups(Memtable m) {
        return groups(m.iterator(new KeyInterval(null, null)));
    }

    private static Iterator<KeyGroup> groups(Iterator<Map.Entry<Key, List<Record>>> entries) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public KeyGroup next() {
                Map.Entry<Key, List<Record>> e = entries.next();
                return new KeyGroup(e.getKey(), e.getValue());
            }
        };
    }

    /** Writes a memtable's key groups to a new level-0 table. */
    private SSTableReader writeTable(Iterator<KeyGroup> groups, long replayedThrough) {
        try (SSTableWriter w = SSTableWriter.create(tableDir, nextGeneration.getAndIncrement(),
                (int) options.blockBytes(), options.bloomBitsPerKey(), null)) {
            while (groups.hasNext()) {
                KeyGroup g = groups.next();
                w.append(g.key(), g.records());
            }
            return w.finish(replayedThrough, 0, cache);
        }
    }

    @Override
    public void flush() {
        checkUsable();
        flushAll();
        checkUsable();
    }

    /** Freezes the active memtable and waits until it and every memtable frozen before it are flushed. */
    private void flushAll() {
        switchLock.lock();
        try {
            freezeActive();
            List<Memtable> waitFor = view.frozen;
            while (failure == null && !Collections.disjoint(view.frozen, waitFor)) {
                flushed.awaitUninterruptibly();
            }
        } finally {
            switchLock.unlock();
        }
    }

    private void periodicSync() {
        if (!closed && failure == null) {
            try {
                commitLog.sync();
            } catch (RuntimeException e) {
                fail("periodic commit log sync", e);
            }
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public List<Record> read(Key key) {
        checkUsable();
        retry:
        while (true) {
            View v = view;
            List<Record> found = get(null, v.active.get(key));
            for (Memtable m : v.frozen) {
                found = get(found, m.get(key));
            }
            for (SSTableReader t : v.tables) {
                if (t.mayContain(key)) {
                    List<Record> r = t.get(key);
                    if (r == null) {
                        // Released under us: a compaction replaced it (retry on the newer view) or
                        // the store closed (stop).
                        checkUsable();
                        continue retry;
                    }
                    found = get(found, r);
                }
            }
            if (found == null) {
                return List.of();
            }
            return found instanceof Union u ? Causality.resolve(u) : Collections.unmodifiableList(found);
        }
    }

    /** A list of records gathered from more than one source, which must be resolved together. */
    private static final class Union extends ArrayList<Record> {
        Union(List<Record> first) {
            super(first);
        }
    }

    private static List<Record> get(List<Record> found, List<Record> more) {
        if (more == null || more.isEmpty()) {
            return found;
        }
        if (found == null) {
            return more;
        }
        List<Record> union = found instanceof Union ? found : new Union(found);
        union.addAll(more);
        return union;
    }

    @Override
    public CloseableIterator<Record> scan(TokenRange range) {
        checkUsable();
        View v;
        while (true) {
            v = view;
            if (refAll(v.tables)) {
                break;
            }
            checkUsable();
        }
        return new Scan(v, KeyInterval.of(range));
    }

    private static boolean refAll(List<SSTableReader> tables) {
        for (int i = 0; i < tables.size(); i++) {
            if (!tables.get(i).tryRef()) {
                for (int j = 0; j < i; j++) {
                    tables.get(j).unref();
                }
                return false;
            }
        }
        return true;
    }

    /** Merges every source of one view, interval by interval, and flattens key groups to records. */
    private static final class Scan implements CloseableIterator<Record> {
        private final View view;
        private final Iterator<KeyInterval> intervals;
        private Iterator<KeyGroup> groups = Collections.emptyIterator();
        private Iterator<Record> records = Collections.emptyIterator();
        private boolean closed;

        Scan(View view, List<KeyInterval> intervals) {
            this.view = view;
            this.intervals = intervals.iterator();
        }

        @Override
        public boolean hasNext() {
            while (!records.hasNext()) {
                if (closed) {
                    return false;
                }
                while (!groups.hasNext()) {
                    if (!intervals.hasNext()) {
                        return false;
                    }
                    groups = merge(intervals.next());
                }
                records = groups.next().records().iterator();
            }
            return true;
        }

        private Iterator<KeyGroup> merge(KeyInterval interval) {
            List<Iterator<KeyGroup>> sources = new ArrayList<>();
            sources.add(groups(view.active.iterator(interval)));
            for (Memtable m : view.frozen) {
                sources.add(groups(m.iterator(interval)));
            }
            for (SSTableReader t : view.tables) {
                sources.add(t.scan(interval));
            }
            return sources.size() == 1 ? sources.get(0) : new MergingIterator(sources);
        }

        @Override
        public Record next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return records.next();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                for (SSTableReader t : view.tables) {
                    t.unref();
                }
            }
        }
    }

    // ---------------------------------------------------------------- compaction

    private void scheduleCompaction() {
        if (compactionRequests.getAndIncrement() == 0) {
            compactionExecutor.execute(this::runCompactions);
        }
    }

    /** Compacts while a tier is due; requests that arrive meanwhile are folded into this run. */
    private void runCompactions() {
        while (true) {
            int seen = compactionRequests.get();
            try {
                while (!stopping && failure == null) {
                    CompactionPicker.Compaction<SSTableReader> next = picker.next(view.tables);
                    if (next == null || !compact(next)) {
                        break;
                    }
                }
            } catch (RuntimeException | Error e) {
                fail("compaction", e);
            }
            if (compactionRequests.compareAndSet(seen, 0)) {
                return;
            }
        }
    }

    /**
     * Merges every SSTable (a major compaction), dropping obsolete records and expired tombstones:
     * into one table when size-tiered, into the deepest level when leveled. Memtables are not
     * flushed first. Runs on the calling thread.
     */
    public void compact() {
        checkUsable();
        try {
            CompactionPicker.Compaction<SSTableReader> all = picker.major(view.tables);
            if (all != null) {
                compact(all);
            }
        } catch (RuntimeException | Error e) {
            fail("major compaction", e);
        }
        checkUsable();
    }

    /** Runs one compaction; false when it was stopped or its inputs had changed meanwhile. */
    private boolean compact(CompactionPicker.Compaction<SSTableReader> c) {
        List<SSTableReader> inputs = c.inputs();
        compactionLock.lock();
        try {
            if (!refAll(inputs)) {
                return false;
            }
            try {
                return compactReferenced(c);
            } finally {
                for (SSTableReader t : inputs) {
                    t.unref();
                }
            }
        } finally {
            compactionLock.unlock();
        }
    }

    private boolean compactReferenced(CompactionPicker.Compaction<SSTableReader> c) {
        List<SSTableReader> inputs = c.inputs();
        long start = clock.nanoTime();
        long nowMillis = clock.nowMillis();
        Set<SSTableReader> inputSet = Set.copyOf(inputs);
        synchronized (viewLock) {
            if (!view.tables.containsAll(inputSet)) {
                return false;
            }
        }
        List<Iterator<KeyGroup>> sources = new ArrayList<>();
        List<KeptOnly> cleaned = new ArrayList<>();
        Cleanup running = cleanup;
        long replayedThrough = -1;
        long inputBytes = 0;
        for (SSTableReader t : inputs) {
            Iterator<KeyGroup> source = t.scan(new KeyInterval(null, null));
            if (running != null && running.suspects.contains(t)) {
                // The cleanup has yet to visit this table: drop its keys here, or they would move
                // into an output that the cleanup no longer looks at.
                KeptOnly kept = new KeptOnly(source, running.keep);
                cleaned.add(kept);
                source = kept;
            }
            sources.add(source);
            replayedThrough = Math.max(replayedThrough, t.metadata().replayedThroughSegment());
            inputBytes += t.sizeBytes();
        }
        Iterator<KeyGroup> merged = new MergingIterator(sources);

        CompactionTxn txn = CompactionTxn.begin(tableDir, nextGeneration.getAndIncrement(),
                inputs.stream().mapToLong(SSTableReader::generation).toArray());
        List<SSTableReader> outputs = new ArrayList<>();
        SSTableWriter writer = null;
        try {
            while (merged.hasNext()) {
                if (stopping) {
                    log.info("Compaction of {} stopped: the store is closing", inputs);
                    if (writer != null) {
                        writer.abort();
                    }
                    rollBack(txn, outputs);
                    return false;
                }
                KeyGroup g = merged.next();
                List<Record> kept = purgeExpiredTombstones(g, nowMillis, inputSet);
                if (kept.isEmpty()) {
                    continue;
                }
                if (writer == null) {
                    long generation = nextGeneration.getAndIncrement();
                    txn.addOutput(generation);
                    writer = SSTableWriter.create(tableDir, generation, (int) options.blockBytes(),
                            options.bloomBitsPerKey(), compactionLimiter);
                }
                writer.append(g.key(), kept);
                if (writer.bytesWritten() >= c.maxOutputBytes()) {
                    outputs.add(writer.finish(replayedThrough, c.outputLevel(), cache));
                    writer = null;
                }
            }
            if (writer != null) {
                outputs.add(writer.finish(replayedThrough, c.outputLevel(), cache));
                writer = null;
            }
            crashPoints.reached(CrashPoints.COMPACTION_OUTPUT_WRITTEN);
            txn.commit();
            crashPoints.reached(CrashPoints.COMPACTION_COMMITTED);
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.abort();
            }
            rollBack(txn, outputs);
            throw e;
        }
        install(inputSet, outputs, txn);
        long droppedKeys = 0;
        for (KeptOnly k : cleaned) {
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
     * [compactionLock held] Puts the committed {@code outputs} of {@code txn} in the view in place of
     * {@code inputs}, whose files go once the last reader lets go, and then the log.
     */
    private void install(Collection<SSTableReader> inputs, List<SSTableReader> outputs, CompactionTxn txn) {
        synchronized (viewLock) {
            View v = view;
            List<SSTableReader> tables = new ArrayList<>(v.tables);
            tables.removeAll(inputs);
            tables.addAll(outputs);
            tables.sort(Comparator.comparingLong(SSTableReader::generation).reversed());
            view = new View(v.active, v.frozen, List.copyOf(tables));
        }
        // The log goes only once the last input file is gone: until then a crash must still
        // finish the compaction by deleting the inputs that remain.
        AtomicInteger undeleted = new AtomicInteger(inputs.size());
        for (SSTableReader t : inputs) {
            t.markObsolete(() -> {
                if (undeleted.decrementAndGet() == 0) {
                    txn.finish();
                }
            });
            t.unref();
        }
        synchronized (tableSlots) {
            tableSlots.notifyAll();
        }
    }

    /** Undoes an unfinished compaction in process: its outputs go, then its log. */
    private static void rollBack(CompactionTxn txn, List<SSTableReader> outputs) {
        for (SSTableReader t : outputs) {
            t.markObsolete(() -> { });
            t.unref();
        }
        txn.finish();
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
            boolean expired = r.isTombstone() && nowMillis - r.timestampMillis() >= options.tombstoneGcGraceMs();
            if (expired && elsewhere == null) {
                elsewhere = mayExistOutside(g.key(), inputs);
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

    private boolean mayExistOutside(Key key, Set<SSTableReader> inputs) {
        View v = view;
        if (v.active.containsKey(key)) {
            return true;
        }
        for (Memtable m : v.frozen) {
            if (m.containsKey(key)) {
                return true;
            }
        }
        for (SSTableReader t : v.tables) {
            if (!inputs.contains(t) && t.mayContain(key)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- cleanup

    /**
     * One running {@link #retainOnly}. The set of tables it has still to visit and its tallies are
     * guarded by {@link #compactionLock}, under which both the cleanup and compactions touch them.
     */
    private static final class Cleanup {
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

        Cleanup(TokenRangeSet keep) {
            this.keep = keep;
            this.keptIntervals = keep.intervals();
            this.droppedIntervals = keep.complement().intervals();
        }
    }

    /** A table's key groups without those outside the kept ranges, counting what it leaves out. */
    private static final class KeptOnly extends LookaheadIterator<KeyGroup> {
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

    /**
     * {@inheritDoc}
     *
     * <p>Flushes the memtables first, then visits each table whose key span is not wholly inside
     * {@code keep}, oldest first, each under the compaction lock (so background compaction runs
     * between tables, never on the table being cleaned): a table without dropped keys stays as it
     * is, one with only dropped keys is deleted, any other is rewritten at its level without them,
     * paced by {@code storage.compaction_throughput_bytes_per_second}. Each replacement is a
     * {@link CompactionTxn} of one input and at most one output, so a crash leaves that table old or
     * new. A compaction that merges a table before the cleanup reaches it drops the same keys from it.
     *
     * <p>The count is of (key, table) pairs: a key held by several tables counts once for each, so
     * it is an upper bound on the distinct keys dropped (exact when each key was in one table).
     *
     * <p>An I/O error or a corrupt block stops the store, as in a compaction.
     *
     * @throws IllegalStateException when the store is closed, or closes before the cleanup is done
     */
    @Override
    public long retainOnly(List<TokenRange> keep) {
        TokenRangeSet kept = TokenRangeSet.of(keep);
        checkUsable();
        cleanupLock.lock();
        try {
            checkUsable(); // it may have closed while this call waited for another cleanup
            long start = clock.nanoTime();
            flushAll();
            checkUsable();
            Cleanup c = new Cleanup(kept);
            long bytesBefore;
            List<SSTableReader> suspects = new ArrayList<>();
            compactionLock.lock();
            try {
                List<SSTableReader> tables = view.tables;
                bytesBefore = totalBytes(tables);
                for (SSTableReader t : tables) {
                    if (!kept.containsAll(t.firstKey().token(), t.lastKey().token())) {
                        suspects.add(t);
                    }
                }
                c.untouched = tables.size() - suspects.size();
                c.suspects.addAll(suspects);
                cleanup = c;
            } finally {
                compactionLock.unlock();
            }
            // Oldest first: under size-tiered compaction they are the largest, the least likely to be
            // merged (and so cleaned) by a compaction meanwhile.
            suspects.sort(Comparator.comparingLong(SSTableReader::generation));
            try {
                for (SSTableReader t : suspects) {
                    if (!cleanOne(t, c)) {
                        break;
                    }
                    crashPoints.reached(CrashPoints.CLEANUP_TABLE_DONE);
                }
            } catch (RuntimeException | Error e) {
                fail("cleanup", e);
            } finally {
                compactionLock.lock();
                try {
                    cleanup = null;
                } finally {
                    compactionLock.unlock();
                }
            }
            checkUsable();
            log.info("Cleaned up store {}, keeping {}: rewrote {} SSTables, deleted {}, left {} untouched, {} merged"
                            + " meanwhile by compactions; dropped {} keys; SSTables {} bytes before, {} after; in {} ms",
                    dir, kept, c.rewritten, c.deleted, c.untouched, c.mergedByCompaction, c.keysDropped, bytesBefore,
                    totalBytes(view.tables), TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start));
            return c.keysDropped;
        } finally {
            cleanupLock.unlock();
        }
    }

    /** Cleans one table under the compaction lock; false when the store is stopping or stopped. */
    private boolean cleanOne(SSTableReader t, Cleanup c) {
        compactionLock.lock();
        try {
            if (stopping || failure != null) {
                return false;
            }
            // Tables leave the view only under this lock: if it is there now, it stays until we are done.
            if (!view.tables.contains(t) || !t.tryRef()) {
                c.mergedByCompaction++;
                return true;
            }
            try {
                return cleanReferenced(t, c);
            } finally {
                c.suspects.remove(t);
                t.unref();
            }
        } finally {
            compactionLock.unlock();
        }
    }

    /** [compactionLock held, {@code t} referenced] Replaces {@code t} by its kept keys; false when stopped. */
    private boolean cleanReferenced(SSTableReader t, Cleanup c) {
        Key first = t.firstKey();
        Key last = t.lastKey();
        boolean keepsSome = c.keep.intersects(first.token(), last.token());
        if (keepsSome && !holdsAny(t, c.droppedIntervals)) {
            // Its span straddles dropped ranges but no key falls in them: rewriting would copy it.
            c.untouched++;
            return true;
        }
        CompactionTxn txn = CompactionTxn.begin(tableDir, nextGeneration.getAndIncrement(),
                new long[] {t.generation()});
        List<SSTableReader> outputs = new ArrayList<>(1);
        SSTableWriter writer = null;
        try {
            if (keepsSome) {
                for (KeyInterval interval : c.keptIntervals) {
                    if (!interval.overlaps(first, last)) {
                        continue;
                    }
                    for (Iterator<KeyGroup> groups = t.scan(interval); groups.hasNext(); ) {
                        if (stopping) {
                            log.info("Cleanup of {} stopped: the store is closing", t);
                            if (writer != null) {
                                writer.abort();
                            }
                            rollBack(txn, outputs);
                            return false;
                        }
                        KeyGroup g = groups.next();
                        if (writer == null) {
                            long generation = nextGeneration.getAndIncrement();
                            txn.addOutput(generation);
                            writer = SSTableWriter.create(tableDir, generation, (int) options.blockBytes(),
                                    options.bloomBitsPerKey(), compactionLimiter);
                        }
                        writer.append(g.key(), g.records());
                    }
                }
                if (writer != null) {
                    // Same level and a sub-span of the input: a leveled store's levels stay disjoint.
                    outputs.add(writer.finish(t.metadata().replayedThroughSegment(), t.level(), cache));
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
            rollBack(txn, outputs);
            throw e;
        }
        long keptKeys = outputs.isEmpty() ? 0 : outputs.get(0).metadata().keyCount();
        c.keysDropped += t.metadata().keyCount() - keptKeys;
        if (outputs.isEmpty()) {
            c.deleted++;
        } else {
            c.rewritten++;
        }
        install(List.of(t), outputs, txn);
        return true;
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

    // ---------------------------------------------------------------- lifecycle

    /** Flushes memtables, stops compaction, syncs and closes the log and every file. Idempotent. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        markClosed();
        try {
            if (failure == null) {
                flushAll();
            }
        } catch (RuntimeException e) {
            log.error("Flush on close of store {} failed; the commit log still holds its writes", dir, e);
        }
        stopping = true;
        synchronized (tableSlots) {
            tableSlots.notifyAll();
        }
        shutdownOwnedThreads();
        // A major compaction or a cleanup runs on its caller's thread: wait until it has seen that
        // the store is stopping and let go of its tables, before they are released under it.
        compactionLock.lock();
        compactionLock.unlock();
        commitLog.close();
        releaseFiles();
        log.info("Closed store {}", dir);
    }

    /**
     * Simulates kill -9 for crash tests: stops without flushing or syncing, leaving the files as
     * a crashed process would.
     */
    synchronized void crashForTest() {
        if (released) {
            return;
        }
        markClosed();
        stopping = true;
        shutdownOwnedThreads();
        commitLog.abandon();
        releaseFiles();
    }

    private void markClosed() {
        ReentrantLock appendLock = commitLog.appendLock();
        appendLock.lock();
        try {
            closed = true;
        } finally {
            appendLock.unlock();
        }
        Scheduler.Cancellable sync = periodicSync;
        if (sync != null) {
            sync.cancel();
        }
    }

    private void shutdownOwnedThreads() {
        if (ownedScheduler != null) {
            ownedScheduler.close();
        }
        for (ExecutorService e : ownedExecutors) {
            e.shutdown();
        }
        for (ExecutorService e : ownedExecutors) {
            try {
                if (!e.awaitTermination(60, TimeUnit.SECONDS)) {
                    log.warn("Background work of store {} did not stop within 60 s", dir);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void releaseFiles() {
        released = true;
        for (SSTableReader t : view.tables) {
            t.unref();
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("Cannot release lock of store {}: {}", dir, e.getMessage());
        }
    }

    private void fail(String what, Throwable e) {
        if (failure == null) {
            failure = e;
            log.error("Store {} stopped: {} failed; it refuses further requests until restarted", dir, what, e);
        }
        synchronized (tableSlots) {
            tableSlots.notifyAll();
        }
        switchLock.lock();
        try {
            flushed.signalAll();
        } finally {
            switchLock.unlock();
        }
    }

    private boolean usable() {
        return !closed && failure == null;
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("store " + dir + " is closed");
        }
        Throwable f = failure;
        if (f != null) {
            throw new StorageException("store " + dir + " stopped after a failure: " + f.getMessage(), f);
        }
    }

    // ---------------------------------------------------------------- introspection

    /** Counters and sizes for metrics and benchmarks. */
    public record Stats(int sstables, long sstableBytes, long memtableBytes, int pendingFlushes, long flushes,
                        long compactions, long writeStalls, long tombstonesPurged, long blockCacheBytes) {
    }

    public Stats stats() {
        View v = view;
        long memtableBytes = v.active.heapBytes();
        for (Memtable m : v.frozen) {
            memtableBytes += m.heapBytes();
        }
        return new Stats(v.tables.size(), totalBytes(v.tables), memtableBytes, v.frozen.size(), flushCount.sum(),
                compactionCount.sum(), writeStalls.sum(), tombstonesPurged.sum(), cache.weightedBytes());
    }

    /** The current tables, newest first. */
    List<TableInfo> tables() {
        return List.copyOf(view.tables);
    }

    /** The generations of the current tables, newest first. */
    long[] generations() {
        return view.tables.stream().mapToLong(SSTableReader::generation).toArray();
    }

    CommitLog commitLog() {
        return commitLog;
    }

    Path directory() {
        return dir;
    }

    private static long totalBytes(List<SSTableReader> tables) {
        long sum = 0;
        for (SSTableReader t : tables) {
            sum += t.sizeBytes();
        }
        return sum;
    }

    private static ExecutorService singleThread(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private static <T> List<T> append(List<T> list, T item) {
        List<T> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(item);
        return List.copyOf(out);
    }

    private static <T> List<T> prepend(T item, List<T> list) {
        List<T> out = new ArrayList<>(list.size() + 1);
        out.add(item);
        out.addAll(list);
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return "LsmStore{" + dir + ", generations " + Arrays.toString(generations()) + "}";
    }
}
