package io.kvorum.storage.lsm;

import io.kvorum.core.AgentRunner;
import io.kvorum.core.Clock;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.ExecutorScheduler;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.Scheduler;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import io.kvorum.storage.KeyRead;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's durable {@link ReplicaStore}: a log-structured merge tree ordered by ring token.
 *
 * <p><b>Write path.</b> A batch is encoded once ({@link BatchCodec}), appended to the
 * {@link CommitLog} as one entry and inserted into the active {@link Memtable}; a durable batch
 * then waits for the log's group commit. The log's append lock also picks the memtable, so an
 * entry and its memtable change together. Full memtables are frozen and flushed in the background
 * by the {@link Flusher}, which is also where writers wait when flushing falls behind.
 *
 * <p><b>The parts.</b> This class is the facade and the composition root of the store; each job
 * is one package-private class that says why it works as it does:
 * <ul>
 *   <li>{@link Recovery} opens the files: interrupted compactions, log replay, first flush, trim;
 *   <li>{@link TableView} is what reads see, replaced whole under one lock, and serves reads and scans;
 *   <li>{@link Flusher} freezes and flushes memtables, with write stalls and table slots;
 *   <li>{@link CompactionAgent} merges tables, an agent run by an {@link AgentRunner} at its own pace;
 *   <li>{@link RangeCleanup} drops the keys of ranges the node no longer replicates;
 *   <li>{@link StoreStatus} says whether the store is closed, stopping or failed (fail-stop);
 *   <li>{@link DiskSpace} says whether the volume is full and since when: a full disk refuses the
 *       writes that need space and resumes by itself, it does not stop the store;
 *   <li>{@link SegmentSize} fits the commit log's segments to a small volume;
 *   <li>{@link TableFiles} hands out generations and writes tables; {@link DirectoryLock} keeps
 *       other stores off the directory.
 * </ul>
 *
 * <p><b>Threads.</b> Unless {@link Builder#inlineBackgroundWork} is asked for, the store owns one
 * thread each for flushes, compactions and commit-log segment allocation, and (without a given
 * {@link Scheduler}) one timer thread for the periodic log sync and the compaction agent's turns.
 * The timer thread only triggers compaction; the merge itself runs on the compaction thread.
 *
 * <p><b>Damage.</b> A data block whose checksum fails is logged once; reads of its keys answer from
 * the other sources, marked incomplete ({@link #readAvailable}), until read repair restores each
 * key ({@link #restore}); compactions and cleanups leave its table as it is ({@link CompactionAgent}).
 * {@link #health} counts the damage for the operator.
 *
 * <p>Directory layout: {@code commitlog/}, {@code sstables/} and a {@code LOCK} file that keeps a
 * second process (or store) off the same directory.
 */
public final class LsmStore implements ReplicaStore {
    private static final Logger log = LoggerFactory.getLogger(LsmStore.class);

    static final String COMMITLOG_DIR = "commitlog";
    static final String SSTABLE_DIR = "sstables";

    /**
     * The scheduler of inline background work: a task due now runs at once on the calling thread,
     * so a busy compaction agent that yields its turn goes straight on, as if it had not; a task
     * due later never runs. Inline stores thus compact to completion after each flush, and nothing
     * happens behind a deterministic test's back.
     */
    private static final Scheduler INLINE = new Scheduler() {
        @Override
        public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
            if (delay <= 0) {
                task.run();
            }
            return () -> { };
        }

        @Override
        public Cancellable scheduleWithFixedDelay(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return () -> { };
        }
    };

    private final Path dir;
    private final RecordLimits limits;
    private final Clock clock;
    /** Whether the volume is full, and since when: see {@link DiskSpace}. */
    private final DiskSpace space;
    private final BlockCache cache;
    private final List<ExecutorService> ownedExecutors;
    private final ExecutorScheduler ownedScheduler;
    private final DirectoryLock lock;
    private final CommitLog commitLog;
    private final StoreStatus status;
    private final BatchCodec codec = new BatchCodec();
    private final TableView view;
    private final Flusher flusher;
    private final CompactionAgent compaction;
    private final AgentRunner compactionRunner;
    private final RangeCleanup cleanup;
    /** Keys restored by read repair, each with the damaged blocks it was restored over (see {@link #restore}). */
    private final Map<Key, Set<Long>> restored = new ConcurrentHashMap<>();
    private volatile Scheduler.Cancellable periodicSync;
    private boolean released;
    /** Crash tests set this; the parts read it at each crash point through {@link #crashPoint}. */
    volatile CrashPoints crashPoints = CrashPoints.NONE;

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

        /**
         * Runs the periodic commit-log sync and triggers the compaction agent's turns. Default: a
         * daemon thread owned by the store.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Runs flushes, compactions and log segment allocation on the thread that causes them, for
         * deterministic tests: compaction then runs to completion after each flush. Without an
         * explicit {@link #scheduler} there is then no periodic sync (only durable writes and close
         * sync the log) and the compaction agent never wakes by itself.
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
        LsmOptions options = b.options;
        this.limits = new RecordLimits(options.maxKeyBytes(), options.maxValueBytes());
        this.clock = b.clock;
        this.space = new DiskSpace(clock);
        this.cache = new BlockCache(options.blockCacheBytes());
        Executor flushThread;
        Executor compactionThread;
        Executor allocatorThread;
        if (b.inline) {
            flushThread = Runnable::run;
            compactionThread = Runnable::run;
            allocatorThread = Runnable::run;
            ownedExecutors = List.of();
        } else {
            ExecutorService f = singleThread("kvorum-flush");
            ExecutorService c = singleThread("kvorum-compaction");
            ExecutorService a = singleThread("kvorum-commitlog-allocator");
            flushThread = f;
            compactionThread = c;
            allocatorThread = a;
            ownedExecutors = List.of(f, c, a);
        }
        this.ownedScheduler = b.scheduler == null && !b.inline ? new ExecutorScheduler("kvorum-storage-timer") : null;
        Scheduler timers = b.scheduler != null ? b.scheduler : ownedScheduler;

        DirectoryLock dirLock = null;
        Recovery.Recovered recovered;
        try {
            dirLock = DirectoryLock.acquire(dir);
            recovered = Recovery.run(dir, options, cache, new RateLimiter(options.compactionBytesPerSecond(), clock),
                    allocatorThread, clock, space);
        } catch (IOException e) {
            abandonOpen(dirLock);
            throw new StorageException("cannot open store at " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            abandonOpen(dirLock);
            throw e;
        }
        this.lock = dirLock;
        this.commitLog = recovered.commitLog();
        this.status = new StoreStatus(dir);
        this.view = new TableView(recovered.tables());
        CompactionPicker picker = CompactionPicker.of(options);
        CrashPoints crashPoint = point -> crashPoints.reached(point);
        this.compaction = new CompactionAgent(view, recovered.files(), picker, options.tombstoneGcGraceMs(), status,
                crashPoint, clock, space);
        this.compactionRunner = new AgentRunner(compaction, timers != null ? timers : INLINE, compactionThread, clock,
                CompactionAgent.IDLE_INTERVAL_MS, CompactionAgent.MAX_COMPACTIONS_PER_TURN);
        this.flusher = new Flusher(options, view, recovered.files(), commitLog, picker, status,
                b.flushExecutor != null ? b.flushExecutor : flushThread, compactionRunner::wake, crashPoint, clock, space);
        this.cleanup = new RangeCleanup(dir, view, recovered.files(), flusher, compaction, status, crashPoint, clock,
                space);
        if (timers != null) {
            periodicSync = timers.scheduleWithFixedDelay(this::periodicSync, options.commitLogSyncPeriodMs(),
                    options.commitLogSyncPeriodMs(), TimeUnit.MILLISECONDS);
        }
        compactionRunner.start();
    }

    private void abandonOpen(DirectoryLock dirLock) {
        if (dirLock != null) {
            dirLock.release();
        }
        shutdownOwnedThreads();
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void apply(List<Record> records, Durability durability) {
        status.checkUsable();
        limits.check(records);
        if (records.isEmpty()) {
            return;
        }
        int length = codec.encode(records);
        byte[] entry = codec.buffer();
        CommitLog.frame(entry, length);
        flusher.makeRoom();

        long position;
        Memtable target;
        ReentrantLock appendLock = commitLog.appendLock();
        appendLock.lock();
        try {
            if (status.closed()) {
                throw status.closedException();
            }
            position = commitLog.appendLocked(entry, length);
            target = view.current().active();
            target.beginWrite();
        } finally {
            appendLock.unlock();
        }
        codec.trim();
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

    @Override
    public void flush() {
        status.checkUsable();
        flusher.flushAll();
        status.checkUsable();
    }

    /**
     * The timer's turn: syncs the log, and once space is freed after the disk was full, retries the
     * flushes and the segment allocation that failed for want of it.
     */
    private void periodicSync() {
        if (status.usable()) {
            try {
                commitLog.sync();
            } catch (RuntimeException e) {
                status.fail("periodic commit log sync", e);
                return;
            }
            if (space.episode() != null) {
                commitLog.retrySpare();
                flusher.retryIfSpaceFreed();
            }
        }
    }

    // ---------------------------------------------------------------- reads

    /**
     * {@inheritDoc}
     *
     * @throws CorruptDataException naming the damaged block, when the key may have records in one and
     *         has not been restored since
     */
    @Override
    public List<Record> read(Key key) {
        KeyRead read = readAvailable(key);
        if (!read.isComplete()) {
            throw new CorruptDataException(read.damage() + "; the key's records there are unreadable until read"
                    + " repair restores it");
        }
        return read.records();
    }

    @Override
    public KeyRead readAvailable(Key key) {
        status.checkUsable();
        return view.read(key, status::checkUsable, restored.getOrDefault(key, Set.of()));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The restored keys are remembered in memory only, each with the damaged blocks it was
     * restored over, so damage found later still makes it incomplete. After a restart the damage is
     * found again on the next read of each key and the key is repaired again: by then its repaired
     * records are in a healthy table, so that repair sends nothing new and only marks it again.
     * Writing the marks down would save those repairs at the price of a file that must never claim
     * a key whole when it is not; the blocks' keys are few, and a repair is one message.
     */
    @Override
    public void restore(Key key, List<Record> records, Durability durability) {
        apply(records, durability);
        // After the apply: a read that sees the mark must see the records that earn it.
        Set<Long> over = view.damagedBlocksOf(key);
        if (!over.isEmpty()) {
            restored.merge(key, Set.copyOf(over), (a, b) -> {
                Set<Long> union = new HashSet<>(a);
                union.addAll(b);
                return Set.copyOf(union);
            });
        }
    }

    @Override
    public CloseableIterator<Record> scan(TokenRange range) {
        status.checkUsable();
        return view.scan(range, status::checkUsable);
    }

    // ---------------------------------------------------------------- compaction and cleanup

    /**
     * Merges every SSTable (a major compaction), dropping obsolete records and expired tombstones:
     * into one table when size-tiered, into the deepest level when leveled. Memtables are not
     * flushed first. Runs on the calling thread. Tables with a damaged block are left out.
     *
     * @throws StorageException when the volume has too little space for the output (nothing is lost)
     *         or the store has stopped
     */
    public void compact() {
        status.checkUsable();
        compaction.compactAll();
        status.checkUsable();
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
     * <p>An I/O error stops the store, as in a compaction; a table with a damaged block that keeps
     * some keys is left as it is (its dropped keys stay), since rewriting it would lose the block's.
     *
     * @throws IllegalStateException when the store is closed, or closes before the cleanup is done
     */
    @Override
    public long retainOnly(List<TokenRange> keep) {
        return cleanup.retainOnly(keep);
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
            if (!status.failed()) {
                flusher.flushAll();
            }
        } catch (RuntimeException e) {
            log.error("Flush on close of store {} failed; the commit log still holds its writes", dir, e);
        }
        status.stop();
        compactionRunner.close();
        shutdownOwnedThreads();
        // A major compaction or a cleanup runs on its caller's thread: wait until it has seen that
        // the store is stopping and let go of its tables, before they are released under it.
        compaction.awaitIdle();
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
        status.stop();
        compactionRunner.close();
        shutdownOwnedThreads();
        commitLog.abandon();
        releaseFiles();
    }

    private void markClosed() {
        ReentrantLock appendLock = commitLog.appendLock();
        appendLock.lock();
        try {
            status.markClosed();
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
        view.releaseTables();
        lock.release();
    }

    // ---------------------------------------------------------------- introspection

    /**
     * Counters and sizes for metrics and benchmarks. {@code compactionErrors} counts background
     * compactions that failed; as a failure stops the store, more than zero means it has stopped.
     */
    public record Stats(int sstables, long sstableBytes, long memtableBytes, int pendingFlushes, long flushes,
                        long compactions, long compactionErrors, long writeStalls, long tombstonesPurged,
                        long blockCacheBytes) {
    }

    public Stats stats() {
        TableView.View v = view.current();
        return new Stats(v.tables().size(), TableView.totalBytes(v.tables()), TableView.memtableBytes(v),
                v.frozen().size(), flusher.flushes(), compaction.compactions(), compactionRunner.errors(),
                flusher.writeStalls(), compaction.tombstonesPurged(), cache.weightedBytes());
    }

    /**
     * Whether the store works as it should: stopped by a failure, short of space, or holding damaged
     * blocks. Cheap (a pass over the tables and one look at the volume's free space during a
     * full-disk episode); the node asks every few seconds.
     */
    public StoreHealth health() {
        int blocks = 0;
        int tables = 0;
        for (SSTableReader t : view.tables()) {
            if (t.isDamaged()) {
                blocks += t.damagedBlocks();
                tables++;
            }
        }
        DiskSpace.Episode e = space.episode();
        return new StoreHealth(status.failureMessage(), e == null ? Optional.empty()
                : Optional.of(new StoreHealth.DiskFull(e.dir(), DiskSpace.freeBytes(e.dir()), e.sinceMillis())),
                blocks, tables);
    }

    /** The current tables, newest first. */
    List<TableInfo> tables() {
        return List.copyOf(view.tables());
    }

    /** The generations of the current tables, newest first. */
    long[] generations() {
        return view.tables().stream().mapToLong(SSTableReader::generation).toArray();
    }

    CommitLog commitLog() {
        return commitLog;
    }

    Path directory() {
        return dir;
    }

    private static ExecutorService singleThread(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String toString() {
        return "LsmStore{" + dir + ", generations " + Arrays.toString(generations()) + "}";
    }
}
