package io.kvorum.hints;

import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.DurableFiles;
import io.kvorum.core.NodeId;
import io.kvorum.core.RateLimitedLog;
import io.kvorum.core.Record;
import io.kvorum.storage.Durability;
import io.kvorum.storage.StorageException;
import io.kvorum.storage.lsm.DirectoryLock;
import io.kvorum.storage.lsm.EntryLog;
import io.kvorum.storage.lsm.LsmSettings;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store of hints: writes kept on this node for other nodes that did not take them, until
 * a replay agent delivers them. Dynamo's hinted handoff, with Cassandra's bounds.
 *
 * <p><b>Layout.</b> One directory per target, {@code <dir>/<node id>/}, holding an {@link EntryLog}
 * (the commit log's segments and framing: length and CRC32C on every entry, torn tails cut at
 * start, damage handled by {@code hints.corruption_policy}, never replayed as data) and a delivery
 * checkpoint. One entry is one hint: its creation time and its records ({@link HintCodec}).
 *
 * <p><b>Adding.</b> {@link #add} stores a hint, or refuses it when a bound would be passed: the
 * target's undelivered bytes ({@code hints.max_bytes_per_target}), all targets' together
 * ({@code hints.max_bytes_total}), or the target's window ({@code hints.window_ms}: its next hint to
 * deliver is older than that, so it has been away too long and repair must heal it). A refusal is
 * counted per target and reason and logged rate-limited; it is never an error, since the write it
 * would have carried succeeded or failed on its own. A {@link Durability#DURABLE} hint is fsynced
 * before {@code add} returns; others at the next {@link #sync}, which the owner runs every
 * {@code hints.sync_period_ms}.
 *
 * <p><b>Delivering.</b> {@link #next} reads a target's hints in the order they were added, from a
 * {@link HintCursor}; {@link #acknowledge} records durably that everything up to a cursor was
 * applied by the target, and deletes the segments that holds wholly. After a crash or restart
 * reading from {@link HintCursor#START} resumes after the last acknowledgement; hints delivered but
 * not yet acknowledged come again, which is harmless, as the target applies them by union.
 *
 * <p><b>Disk.</b> At most {@code hints.max_bytes_total} for the hints, each charged its entry and the
 * sync markers it can cause, plus, for each target with a log, up to three segments (the spare, the
 * unfilled end of the one being written, the delivered start of the oldest, which is larger than a
 * segment if it was made to fit one larger hint) and the unused end of each full segment (less than
 * the hint that did not fit). A target with nothing to deliver holds no file after a restart.
 *
 * <p><b>Threads.</b> Every method may be called from any thread. Adds for one target are ordered
 * and share fsyncs; reads, acknowledgements and truncations of one target take turns.
 */
public final class HintStore implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(HintStore.class);
    private static final String LOCK_FILE = "LOCK";

    private final Path dir;
    private final HintOptions options;
    private final Clock clock;
    private final Executor allocator;
    private final DirectoryLock dirLock;
    private final ByteBudget budget;
    private final ConcurrentHashMap<NodeId, TargetHints> targets = new ConcurrentHashMap<>();
    /** Creating a target and closing the store take it, so no target is created after close. */
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final RateLimitedLog dropLog;
    private volatile boolean closed;

    private HintStore(Path dir, HintOptions options, Clock clock, Executor allocator, DirectoryLock dirLock) {
        this.dir = dir;
        this.options = options;
        this.clock = clock;
        this.allocator = allocator;
        this.dirLock = dirLock;
        this.budget = new ByteBudget(options.maxBytesTotal());
        this.dropLog = RateLimitedLog.standard(log, clock);
    }

    /** As {@link #open(Path, HintOptions, Clock, Executor)}, preparing new segments on the adding thread. */
    public static HintStore open(Path dir, HintOptions options, Clock clock) {
        return open(dir, options, clock, Runnable::run);
    }

    /**
     * Opens the store in {@code dir}, created if missing, and locks it against a second store. Every
     * target's log is replayed after its checkpoint; targets with nothing left to deliver are deleted.
     * {@code allocator} prepares each target's next segment ahead of need.
     *
     * @throws io.kvorum.core.CorruptDataException for damage under {@code hints.corruption_policy=stop}
     * @throws StorageException                    when the directory cannot be read, locked or written
     */
    public static HintStore open(Path dir, HintOptions options, Clock clock, Executor allocator) {
        Checks.require(dir != null, "dir", null, "a directory");
        Checks.require(options != null, "options", null, "HintOptions");
        Checks.require(clock != null, "clock", null, "a Clock");
        Checks.require(allocator != null, "allocator", null, "an Executor");
        long startNanos = clock.nanoTime();
        DirectoryLock lock;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                DurableFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
            }
            lock = DirectoryLock.acquire(dir);
        } catch (IOException e) {
            throw new StorageException("cannot open the hint store in " + dir + ": " + e, e);
        }
        HintStore store = new HintStore(dir, options, clock, allocator, lock);
        try {
            store.openTargets(startNanos);
        } catch (RuntimeException | Error e) {
            store.closeQuietly();
            throw e;
        }
        return store;
    }

    private void openTargets(long startNanos) {
        long torn = 0;
        long damaged = 0;
        int emptied = 0;
        List<Path> subdirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                subdirs.add(p);
            }
        } catch (IOException e) {
            throw new StorageException("cannot list the hint store in " + dir + ": " + e, e);
        }
        subdirs.sort(null);
        for (Path p : subdirs) {
            String name = p.getFileName().toString();
            NodeId target = targetOf(name);
            if (target == null || !Files.isDirectory(p)) {
                if (!name.equals(LOCK_FILE)) {
                    log.warn("Ignoring {} in the hint store: not the hint directory of a node", p);
                }
                continue;
            }
            TargetHints t = TargetHints.open(target, p, options, clock, budget, allocator);
            torn += t.log().opened().tornBytesDiscarded();
            damaged += t.log().opened().damagedSegments();
            if (t.stats().hints() == 0) {
                t.deleteFiles();
                emptied++;
            } else {
                targets.put(target, t);
            }
        }
        if (emptied > 0) {
            fsyncStoreDirectory();
        }
        long hints = 0;
        for (TargetHints t : targets.values()) {
            hints += t.stats().hints();
        }
        log.info("Opened hint store {}: {} hints ({} bytes) for {} nodes to deliver; {} torn bytes cut, {} damaged"
                        + " segments skipped, {} delivered nodes' files deleted, in {} ms", dir, hints, budget.used(),
                targets.size(), torn, damaged, emptied,
                TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startNanos));
    }

    /** The node a directory name stands for, or null: exactly a node id as {@link NodeId#toString} writes it. */
    private static NodeId targetOf(String name) {
        if (name.length() != 16) {
            return null;
        }
        try {
            NodeId id = NodeId.parse(name);
            return id.toString().equals(name) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Stores a hint for {@code target}: {@code records}, to be applied there by union, created at
     * {@code createdAtMillis}. Returns false, storing nothing, when a bound refuses it (counted and
     * logged, rate-limited). A durable hint is fsynced before this returns.
     *
     * @throws StorageException when the disk fails it (a full disk, a failed fsync)
     */
    public boolean add(NodeId target, long createdAtMillis, List<Record> records, Durability durability) {
        Checks.require(target != null, "target", null, "a NodeId");
        Checks.require(durability != null, "durability", null, "a Durability");
        ensureOpen();
        byte[] entry = HintCodec.encode(createdAtMillis, records);
        TargetHints t = targetFor(target);
        DropReason refused = t.add(createdAtMillis, entry, durability);
        if (refused == null) {
            return true;
        }
        dropLog.warn("Dropped a hint for node " + target + ": " + why(refused) + " (" + t.dropped(refused)
                + " dropped for that reason since start; repair heals what hints miss)");
        return false;
    }

    private String why(DropReason reason) {
        return switch (reason) {
            case WINDOW -> "it has gone longer than " + HintSettings.WINDOW_MS.key() + " ("
                    + HintSettings.WINDOW_MS.format(options.windowMs()) + ") without taking its hints";
            case TARGET_BYTES -> "its undelivered hints would pass " + HintSettings.MAX_BYTES_PER_TARGET.key() + " ("
                    + HintSettings.MAX_BYTES_PER_TARGET.format(options.maxBytesPerTarget()) + ")";
            case TOTAL_BYTES -> "the undelivered hints of all nodes would pass " + HintSettings.MAX_BYTES_TOTAL.key()
                    + " (" + HintSettings.MAX_BYTES_TOTAL.format(options.maxBytesTotal()) + ")";
            case EXPIRED -> "hints older than " + LsmSettings.TOMBSTONE_GC_GRACE_MS.key() + " are not delivered (a delete"
                    + " that superseded them may be purged there)";
            case TRUNCATED -> "truncated";
        };
    }

    /**
     * The hints for {@code target} after {@code from} (or after the last acknowledgement, if that is
     * later), in the order they were added: at least one if there is any, then as many as fit in
     * {@code maxBytes} of encoded hints.
     *
     * @throws io.kvorum.core.CorruptDataException when the disk altered a hint since it was stored or
     *                                             replayed; truncating the target gets past it
     */
    public HintBatch next(NodeId target, HintCursor from, int maxBytes) {
        Checks.require(target != null, "target", null, "a NodeId");
        Checks.require(from != null, "from", null, "a HintCursor");
        Checks.requirePositive(maxBytes, "maxBytes");
        ensureOpen();
        TargetHints t = targets.get(target);
        return t == null ? new HintBatch(List.of(), from) : t.next(from, maxBytes);
    }

    /**
     * Records durably that {@code target} has applied every hint up to {@code through}, a cursor that
     * {@link #next} returned, and frees the segments that holds wholly. Returns how many hints it
     * acknowledged (0 if they already were).
     *
     * @throws IllegalArgumentException when {@code through} is not the end of a hint for {@code target}
     */
    public long acknowledge(NodeId target, HintCursor through) {
        return acknowledge(target, through, 0);
    }

    /**
     * As {@link #acknowledge(NodeId, HintCursor)}, where {@code expired} of the hints acknowledged were
     * not delivered but dropped as too old ({@link DropReason#EXPIRED}); they are counted and logged,
     * rate-limited.
     *
     * @throws IllegalArgumentException also when {@code expired} is more than the hints acknowledged
     */
    public long acknowledge(NodeId target, HintCursor through, long expired) {
        Checks.require(target != null, "target", null, "a NodeId");
        Checks.require(through != null, "through", null, "a HintCursor");
        ensureOpen();
        TargetHints t = targets.get(target);
        if (t == null) {
            Checks.require(through.equals(HintCursor.START), "through", through, "start: no hints for " + target);
            return 0;
        }
        long n = t.acknowledge(through, expired);
        if (n > 0 && expired > 0) {
            dropLog.warn("Dropped " + expired + " hints for node " + target + ": " + why(DropReason.EXPIRED) + " ("
                    + t.dropped(DropReason.EXPIRED) + " dropped for that reason since start; repair heals what hints"
                    + " miss)");
        }
        return n;
    }

    /** Drops every hint stored for {@code target} so far, counting them as truncated; returns how many. */
    public long truncate(NodeId target) {
        Checks.require(target != null, "target", null, "a NodeId");
        ensureOpen();
        TargetHints t = targets.get(target);
        long n = t == null ? 0 : t.truncate();
        log.info("Truncated {} hints for node {}", n, target);
        return n;
    }

    /** The nodes this store has kept hints for since it opened, or found hints for, in id order. */
    public List<NodeId> targets() {
        List<NodeId> out = new ArrayList<>(targets.keySet());
        out.sort(null);
        return out;
    }

    /** What the store holds for {@code target}; all zeros for a node it has no hints for. */
    public HintStats stats(NodeId target) {
        TargetHints t = targets.get(target);
        return t == null ? new HintStats(target, 0, 0, 0, 0, 0, 0, 0, 0, 0) : t.stats();
    }

    /** {@link #stats(NodeId)} of every target, in id order. */
    public List<HintStats> stats() {
        List<HintStats> out = new ArrayList<>();
        for (NodeId id : targets()) {
            out.add(stats(id));
        }
        return out;
    }

    /** The bytes charged against {@code hints.max_bytes_total}. */
    public long totalBytes() {
        return budget.used();
    }

    /** Fsyncs every hint added so far; the owner runs it every {@code hints.sync_period_ms}. */
    public void sync() {
        ensureOpen();
        for (TargetHints t : targets.values()) {
            t.sync();
        }
    }

    /** Syncs and closes every target's log and unlocks the directory. Idempotent. */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lifecycle.unlock();
        }
        StorageException error = null;
        long hints = 0;
        for (TargetHints t : targets.values()) {
            try {
                hints += t.stats().hints();
                t.close();
            } catch (StorageException e) {
                if (error == null) {
                    error = e;
                } else {
                    error.addSuppressed(e);
                }
            }
        }
        dirLock.release();
        log.info("Closed hint store {}: {} hints for {} nodes to deliver", dir, hints, targets.size());
        if (error != null) {
            throw error;
        }
    }

    /** Simulates kill -9 for crash tests: closes every file without syncing, as a crashed process would. */
    void crashForTest() {
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lifecycle.unlock();
        }
        for (TargetHints t : targets.values()) {
            t.crashForTest();
        }
        dirLock.release();
    }

    /** For tests: the state of one target, or null. */
    TargetHints target(NodeId target) {
        return targets.get(target);
    }

    Path directory() {
        return dir;
    }

    private TargetHints targetFor(NodeId target) {
        TargetHints t = targets.get(target);
        if (t != null) {
            return t;
        }
        lifecycle.lock();
        try {
            ensureOpen();
            t = targets.get(target);
            if (t == null) {
                Path p = dir.resolve(target.toString());
                try {
                    Files.createDirectories(p);
                } catch (IOException e) {
                    throw new StorageException("cannot create the hint directory " + p + ": " + e, e);
                }
                fsyncStoreDirectory();
                t = TargetHints.open(target, p, options, clock, budget, allocator);
                targets.put(target, t);
            }
            return t;
        } finally {
            lifecycle.unlock();
        }
    }

    private void fsyncStoreDirectory() {
        try {
            DurableFiles.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new StorageException("cannot fsync the hint store directory " + dir + ": " + e, e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("hint store in " + dir + " is closed");
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            log.warn("Cannot close the hint store in {} after a failed open: {}", dir, e.getMessage());
        }
    }
}
