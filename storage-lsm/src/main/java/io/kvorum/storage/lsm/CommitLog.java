package io.kvorum.storage.lsm;

import static io.kvorum.storage.lsm.CommitLogSegment.END_BYTES;
import static io.kvorum.storage.lsm.CommitLogSegment.KIND_DATA;
import static io.kvorum.storage.lsm.CommitLogSegment.KIND_SEGMENT_END;
import static io.kvorum.storage.lsm.CommitLogSegment.KIND_SYNC_MARKER;
import static io.kvorum.storage.lsm.CommitLogSegment.MARKER_BYTES;
import static io.kvorum.storage.lsm.CommitLogSegment.RESERVED_BYTES;
import static io.kvorum.storage.lsm.CommitLogSegment.SEGMENT_HEADER_BYTES;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.DurableFiles;
import io.kvorum.core.CorruptDataException;
import io.kvorum.storage.StorageException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log of the store: each batch is appended here as one entry before it enters a
 * memtable, and replayed on start until an SSTable holds it. A crash at any instant loses no entry
 * acknowledged as durable; a torn tail is cut off with a warning, never accepted; damage to data
 * that had been fsynced follows the {@link CorruptionPolicy}.
 *
 * <pre>
 * file     := dir/commitlog-{segment id, 16 digits}.log, preallocated to its capacity
 * segment  := header entry* zeros
 * header   := u64 magic "KVRMCLOG", u32 version (1), u32 flags (bit 0: first segment of a log),
 *             u64 segment id, u32 capacity (the file length), u32 crc32c(the 28 bytes before it)
 * entry    := u32 length, u32 crc32c(length field, body), body    -- length = bytes in body, >= 1
 * body     := u8 kind, payload
 *   1 DATA          the caller's bytes
 *   2 SYNC_MARKER   u64 magic "KVRMSYNC", u64 certified position (see below)
 *   3 SEGMENT_END   nothing: the log rolled to the next segment; later bytes of this one mean nothing
 * position := segment id &lt;&lt; 32 | offset in segment             -- grows across segments
 * </pre>
 * Integers are little-endian. A zero length and CRC is no entry: the end of what was written.
 *
 * <p><b>Appending.</b> Callers frame their entry ({@link #frame}) before taking the append lock, so
 * CRCs are computed in parallel; under the lock an append is a copy into the mapped segment right
 * after the previous entry, so a process crash tears at most the entry being copied. A DATA entry
 * leaves {@link CommitLogSegment#RESERVED_BYTES} free behind it, so sync markers and the end entry
 * never need a new segment.
 *
 * <p><b>Group commit.</b> {@link #awaitDurable} is leader/follower on the sync lock: the caller that
 * holds it forces everything written so far, in segment order, for everyone; the callers queued
 * behind find their position already synced. Lock order is sync lock, then append lock; the append
 * lock is never held while forcing, so appends continue during an fsync.
 *
 * <p><b>Torn tail or damage.</b> Power loss can drop any page that was not fsynced, not only a suffix,
 * and the kernel writes pages back in any order, so "a bad entry followed by zeros" proves nothing.
 * Sync markers do. Before each force the leader appends a marker certifying the position that the
 * <em>previous</em> force made durable: a marker on disk proves that force completed. (A marker
 * vouching for its own force could reach the disk before the pages it vouches for; a power cut in
 * mid-force would then look like corruption and keep the node from starting.) At the first bad entry
 * (a checksum or length that fails, a file cut short, or a zero header with data after it) replay
 * looks for a valid marker after it that certifies a position beyond it. Past damage there is no
 * entry boundary to follow, so the rest of that segment is scanned byte by byte for the marker magic,
 * each candidate checked by its CRC; later segments are parsed, and scanned from any damage of theirs:
 * <ul>
 *   <li>none: the damage lies after the last completed fsync, a torn tail. Replay stops, later
 *       segments included (they hold only unsynced entries; a log loses a suffix, never a middle),
 *       logs one warning, and repairs the directory so the next start does not meet the tail again:
 *       later segment files are deleted, then a SEGMENT_END is written at the damage.</li>
 *   <li>one: fsynced data was altered, and the policy decides.</li>
 * </ul>
 * The price: bytes fsynced by the last force but not yet vouched for count as tail if they are
 * damaged. {@link #sync} vouches for them once writes pause and {@link #close} always does, so that
 * window lasts at most one sync period and a clean shutdown leaves nothing unvouched.
 *
 * <p><b>Segment boundaries.</b> A segment that reaches zeros without a SEGMENT_END was the last one
 * written to, unless a later segment of the same log holds anything: then its tail was lost and that
 * point counts as damage, as does a missing segment after an ended one. The first segment of each
 * new log carries a flag, since the log before it legitimately ends without SEGMENT_END; replay
 * fsyncs every segment it read, so a later log's markers vouch for earlier logs as well.
 *
 * <p><b>Failed fsync.</b> After a failed force the log refuses all further work: the kernel may have
 * dropped the dirty pages, and a retry could report success for data that is gone (PostgreSQL's
 * "fsyncgate", 2018).
 */
final class CommitLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(CommitLog.class);

    /** Bytes every caller reserves at the start of its entry buffer: length u32, crc32c u32, kind u8. */
    static final int HEADER_BYTES = 9;
    /** Keeps positions positive: a segment id shifted left by 32 must fit in 63 bits. */
    static final long MAX_SEGMENT_ID = (1L << 31) - 1;
    static final int MAX_ENTRY_BYTES = CommitLogSegment.MAX_SEGMENT_BYTES - SEGMENT_HEADER_BYTES - RESERVED_BYTES;

    private static final Pattern SEGMENT_NAME = Pattern.compile("commitlog-(\\d{16})\\.log");
    private static final String POLICY_KEY = LsmSettings.COMMITLOG_CORRUPTION_POLICY.key();

    private final Path dir;
    private final int segmentBytes;
    private final Executor allocator;
    /** Told of every segment allocation that fails for want of space, and of every one that succeeds. */
    private final DiskSpace space;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantLock syncLock = new ReentrantLock();

    /** [append lock] */
    private CommitLogSegment current;
    /** [append lock] Segments in id order, the current one last, that may hold bytes not yet forced. */
    private final ArrayDeque<CommitLogSegment> open = new ArrayDeque<>();
    /** [append lock] */
    private Spare spare;

    /** Written under both locks. */
    private volatile boolean closed;
    /** Written under the sync lock: the last force made bytes durable that no marker vouches for yet. */
    private volatile boolean unvouched;
    private volatile long writtenPosition;
    private volatile long syncedPosition;
    private volatile long syncCount;
    private volatile long currentSegmentId;
    private volatile StorageException failure;

    private CommitLog(Path dir, int segmentBytes, Executor allocator, DiskSpace space, CommitLogSegment first) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.allocator = allocator;
        this.space = space;
        this.current = first;
        this.open.add(first);
        this.currentSegmentId = first.id();
        this.writtenPosition = position(first.id(), SEGMENT_HEADER_BYTES);
        this.syncedPosition = writtenPosition;
        appendLock.lock();
        try {
            prepareSpare();
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Starts a log in {@code dir} (created if missing) whose first new segment has id
     * {@code firstSegmentId}. Existing segment files are left alone ({@link #replay} and
     * {@link #discardThrough} deal with them) but must all have smaller ids. {@code allocator} runs
     * the preallocation of the next segment; tests pass {@code Runnable::run}.
     */
    static CommitLog create(Path dir, long firstSegmentId, long segmentBytes, Executor allocator) {
        return create(dir, firstSegmentId, segmentBytes, allocator, new DiskSpace(Clock.system()));
    }

    /** As above, reporting segment allocations that fail for want of space, and those that succeed, to {@code space}. */
    static CommitLog create(Path dir, long firstSegmentId, long segmentBytes, Executor allocator, DiskSpace space) {
        Checks.require(firstSegmentId >= 0 && firstSegmentId <= MAX_SEGMENT_ID, "firstSegmentId", firstSegmentId,
                "0.." + MAX_SEGMENT_ID);
        Checks.require(segmentBytes >= CommitLogSegment.MIN_SEGMENT_BYTES
                        && segmentBytes <= CommitLogSegment.MAX_SEGMENT_BYTES, "segmentBytes", segmentBytes,
                CommitLogSegment.MIN_SEGMENT_BYTES + ".." + CommitLogSegment.MAX_SEGMENT_BYTES);
        Checks.require(allocator != null, "allocator", null, "an Executor");
        CommitLogSegment first;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                // Durable entries in a directory whose own name could vanish in a power cut would not be.
                DurableFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
            }
            long[] existing = listSegmentIds(dir);
            long newest = existing.length == 0 ? -1 : existing[existing.length - 1];
            Checks.require(firstSegmentId > newest, "firstSegmentId", firstSegmentId,
                    "> " + newest + ", the newest segment already in " + dir);
            first = CommitLogSegment.create(dir, firstSegmentId, (int) segmentBytes, true);
        } catch (IOException e) {
            if (DiskSpace.isFull(e)) {
                space.full(DiskSpace.Need.COMMIT_LOG, dir, e);
            }
            throw new StorageException("cannot start the commit log in " + dir + ": " + e + spaceNote(dir, e), e);
        }
        return new CommitLog(dir, (int) segmentBytes, allocator, space, first);
    }

    /**
     * Fills {@code buf[0, HEADER_BYTES)} for a DATA entry whose payload is {@code buf[HEADER_BYTES, length)}.
     * Thread-safe and lock-free: callers do it before taking the append lock.
     */
    static void frame(byte[] buf, int length) {
        // Here and in the other per-entry checks, the failure message is built only on failure.
        if (length < HEADER_BYTES || length > buf.length) {
            Checks.require(false, "length", length, HEADER_BYTES + ".." + buf.length + ", the buffer's size");
        }
        CommitLogSegment.frame(buf, length, KIND_DATA);
    }

    /**
     * The lock under which appends and rolls happen. The store holds it around {@link #appendLocked}
     * and the choice of memtable, so that an entry and its memtable are chosen atomically with
     * respect to {@link #rollLocked}. Never call the other methods while holding it.
     */
    ReentrantLock appendLock() {
        return appendLock;
    }

    /**
     * [append lock] Copies the framed entry {@code buf[0, length)} into the log, first rolling to a new
     * segment when it does not fit (an entry larger than a segment gets one of its own, sized to fit).
     * Returns the position just after the entry. Throws {@link StorageException} when no segment can
     * be allocated (a full disk), having written nothing.
     */
    long appendLocked(byte[] buf, int length) {
        requireAppendLock();
        if (length < HEADER_BYTES || length > Math.min(buf.length, MAX_ENTRY_BYTES)) {
            Checks.require(false, "length", length, HEADER_BYTES + ".." + Math.min(buf.length, MAX_ENTRY_BYTES));
        }
        if (Bytes.getInt(buf, 0) != length - 8 || buf[8] != KIND_DATA) {
            Checks.require(false, "buf", "length field " + Bytes.getInt(buf, 0) + " and kind " + buf[8],
                    "length - 8 = " + (length - 8) + " and " + KIND_DATA + ", as CommitLog.frame(buf, " + length
                            + ") writes them");
        }
        ensureWritable();
        if (!current.fits(length, RESERVED_BYTES)) {
            advance(SEGMENT_HEADER_BYTES + length + RESERVED_BYTES);
        }
        long position = position(current.id(), current.append(buf, length));
        writtenPosition = position;
        return position;
    }

    /**
     * [append lock] Ends the current segment: later entries go to a new one. Returns the id of the
     * segment that was current: every entry appended so far lies in a segment with an id at most this.
     */
    long rollLocked() {
        requireAppendLock();
        ensureWritable();
        long ended = current.id();
        advance(0);
        return ended;
    }

    /** Blocks until every byte up to {@code position} is fsynced, sharing one force with concurrent callers. */
    void awaitDurable(long position) {
        if (position <= syncedPosition) {
            return;
        }
        if (position > writtenPosition) {
            Checks.require(false, "position", describe(position),
                    "at most the written position, " + describe(writtenPosition));
        }
        requireNoAppendLock("awaitDurable");
        syncLock.lock();
        try {
            if (position > syncedPosition) {
                syncRound();
            }
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Fsyncs everything appended so far; the store calls it periodically. Free when nothing is new,
     * except once after writes pause, to vouch for the last force with a marker.
     */
    void sync() {
        if (writtenPosition == syncedPosition && !unvouched) {
            return;
        }
        requireNoAppendLock("sync");
        syncLock.lock();
        try {
            if (writtenPosition != syncedPosition || unvouched) {
                syncRound();
            }
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Deletes every segment file with id at most {@code segmentId}, the entries of which are in
     * SSTables, including files left by an earlier process. Never the current segment.
     */
    void discardThrough(long segmentId) {
        requireNoAppendLock("discardThrough");
        syncLock.lock(); // a sync in progress may be forcing one of these segments
        try {
            appendLock.lock();
            try {
                Checks.require(segmentId < current.id(), "segmentId", segmentId,
                        "< " + current.id() + ", the current segment");
                for (Iterator<CommitLogSegment> it = open.iterator(); it.hasNext(); ) {
                    CommitLogSegment s = it.next();
                    if (s.id() <= segmentId) {
                        it.remove();
                        s.release();
                    }
                }
            } finally {
                appendLock.unlock();
            }
            // No directory fsync: a deletion undone by a power cut leaves a file that replay skips
            // (its id is at most the flushed one) and the next discard deletes again.
            int deleted = 0;
            for (long id : listSegmentIds(dir)) {
                if (id > segmentId) {
                    break;
                }
                if (Files.deleteIfExists(segmentPath(dir, id))) {
                    deleted++;
                }
            }
            log.debug("Deleted {} commit log segments through {} in {}", deleted, segmentId, dir);
        } catch (IOException e) {
            throw new StorageException("cannot delete commit log segments through " + segmentId + " in " + dir
                    + ": " + e, e);
        } finally {
            syncLock.unlock();
        }
    }

    long syncedPosition() {
        return syncedPosition;
    }

    long writtenPosition() {
        return writtenPosition;
    }

    long currentSegmentId() {
        return currentSegmentId;
    }

    /** Forces performed: one per group commit, however many segments it touched. */
    long syncCount() {
        return syncCount;
    }

    static Path segmentPath(Path dir, long segmentId) {
        Checks.require(segmentId >= 0, "segmentId", segmentId, ">= 0");
        return dir.resolve(String.format(Locale.ROOT, "commitlog-%016d.log", segmentId));
    }

    /**
     * Syncs, vouches for the last force, and closes. Segments stay for replay; only the unused spare,
     * which holds no entry, is deleted. Idempotent.
     */
    @Override
    public void close() {
        requireNoAppendLock("close");
        syncLock.lock();
        try {
            if (closed) {
                return;
            }
            StorageException error = null;
            try {
                // The first round forces the tail, the second vouches for it.
                for (int round = 0; round < 2 && failure == null
                        && (writtenPosition != syncedPosition || unvouched); round++) {
                    syncRound();
                }
            } catch (StorageException e) {
                error = e;
            }
            appendLock.lock();
            try {
                closed = true;
                if (spare != null) {
                    spare.delete();
                    spare = null;
                }
                for (CommitLogSegment s : open) {
                    s.release();
                }
                open.clear();
            } finally {
                appendLock.unlock();
            }
            if (error != null) {
                throw error;
            }
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Test hook for simulated crashes: closes every file without syncing or writing anything further.
     * The mappings are left to the garbage collector, so the page cache keeps what a crashed process
     * would have left there.
     */
    void abandon() {
        appendLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (spare != null) {
                spare.abandon();
                spare = null;
            }
            for (CommitLogSegment s : open) {
                s.closeFile();
            }
            open.clear();
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Prepares the next segment again when its allocation failed for want of space and the volume
     * now has room for it, so that a full-disk episode can end while no write needs a segment; the
     * store's periodic sync calls it. Free when no allocation is failing.
     */
    void retrySpare() {
        if (!space.failing(DiskSpace.Need.COMMIT_LOG)) {
            return;
        }
        long free = DiskSpace.freeBytes(dir);
        if (free >= 0 && free < segmentBytes) {
            return;
        }
        requireNoAppendLock("retrySpare");
        appendLock.lock();
        try {
            if (!closed && failure == null && (spare == null || spare.failed())) {
                prepareSpare(); // a failed spare left no file behind
            }
        } finally {
            appendLock.unlock();
        }
    }

    // ---- writing ----

    /** [append lock] Makes the spare the current segment, allocating it here if it is not ready. */
    private void advance(int minCapacity) {
        CommitLogSegment next = takeSpare(minCapacity);
        current.appendEnd();
        current = next;
        open.addLast(next);
        currentSegmentId = next.id();
        writtenPosition = position(next.id(), SEGMENT_HEADER_BYTES);
        prepareSpare();
    }

    /** [append lock] */
    private void prepareSpare() {
        if (current.id() == MAX_SEGMENT_ID) {
            return; // advance() will fail to allocate, with the reason
        }
        spare = new Spare(current.id() + 1);
        try {
            allocator.execute(spare);
        } catch (RejectedExecutionException e) {
            // The next roll allocates it synchronously.
        }
    }

    /** [append lock] */
    private CommitLogSegment takeSpare(int minCapacity) {
        long id = current.id() + 1;
        if (id > MAX_SEGMENT_ID) {
            throw new StorageException("commit log in " + dir + " has used every segment id up to " + MAX_SEGMENT_ID);
        }
        Spare s = spare;
        spare = null;
        CommitLogSegment next = s == null ? null : s.take();
        if (next != null && next.capacity() < minCapacity) {
            next.release();
            try {
                Files.delete(next.path());
            } catch (IOException e) {
                throw new StorageException("cannot replace commit log segment " + next.path()
                        + " with a larger one: " + e, e);
            }
            next = null;
        }
        if (next == null) {
            int capacity = Math.max(segmentBytes, minCapacity);
            String what = "cannot allocate commit log segment " + segmentPath(dir, id) + " of " + capacity + " bytes";
            long free = space.failing(DiskSpace.Need.COMMIT_LOG) ? DiskSpace.freeBytes(dir) : Long.MAX_VALUE;
            if (free >= 0 && free < capacity) {
                // Known to fail while the disk stays full: writing zeros up to the limit under the
                // append lock, once for every writer, would only hold up the others.
                space.full(DiskSpace.Need.COMMIT_LOG, dir, null);
                throw new StorageException(what + ": the disk is full (" + free + " bytes free in " + dir + ")");
            }
            try {
                next = CommitLogSegment.create(dir, id, capacity, false);
            } catch (IOException e) {
                if (DiskSpace.isFull(e)) {
                    space.full(DiskSpace.Need.COMMIT_LOG, dir, e);
                }
                throw new StorageException(what + ": " + e + spaceNote(dir, e), e);
            }
            space.available(DiskSpace.Need.COMMIT_LOG);
        }
        return next;
    }

    /** For a message about {@code e}: the free bytes in {@code dir} when the disk is full, else nothing. */
    private static String spaceNote(Path dir, IOException e) {
        return DiskSpace.isFull(e) ? " (" + DiskSpace.freeBytes(dir) + " bytes free in " + dir + ")" : "";
    }

    /**
     * [sync lock] One group commit: appends a marker vouching for the previous force, then forces every
     * byte written so far. With nothing new it only vouches for the previous force.
     */
    private void syncRound() {
        List<Range> ranges;
        long target;
        boolean vouchingOnly;
        boolean marked;
        appendLock.lock();
        try {
            ensureWritable();
            vouchingOnly = writtenPosition == syncedPosition;
            marked = appendMarker(syncedPosition);
            target = writtenPosition;
            ranges = pendingRanges();
        } finally {
            appendLock.unlock();
        }
        if (ranges.isEmpty()) {
            return;
        }
        for (Range r : ranges) {
            try {
                r.segment().force(r.from(), r.to());
            } catch (IOException e) {
                StorageException f = new StorageException("fsync of commit log segment " + r.segment().path()
                        + " failed (" + e + "); refusing further writes, since the kernel may have dropped the"
                        + " unsynced pages and a retry could report success for data that is gone", e);
                failure = f;
                log.error(f.getMessage());
                throw f;
            }
            r.segment().syncedOffset(r.to());
        }
        syncedPosition = target;
        syncCount++; // only the sync lock holder writes it
        unvouched = !(vouchingOnly && marked);
    }

    /** [append lock] Returns false when no segment could be found for the marker; the force goes ahead without it. */
    private boolean appendMarker(long certified) {
        if (!current.fits(MARKER_BYTES, END_BYTES)) {
            // Not expected: the reserve behind the last DATA entry holds this marker and the vouching one.
            try {
                advance(0);
            } catch (StorageException e) {
                return false;
            }
        }
        writtenPosition = position(current.id(),
                current.append(CommitLogSegment.markerEntry(certified), MARKER_BYTES));
        return true;
    }

    /** [both locks] The unforced bytes of each open segment; closes segments with none left. */
    private List<Range> pendingRanges() {
        List<Range> ranges = new ArrayList<>(open.size());
        for (Iterator<CommitLogSegment> it = open.iterator(); it.hasNext(); ) {
            CommitLogSegment s = it.next();
            if (s.writeOffset() > s.syncedOffset()) {
                ranges.add(new Range(s, s.syncedOffset(), s.writeOffset()));
            } else if (s != current) {
                it.remove();
                s.release();
            }
        }
        return ranges;
    }

    private record Range(CommitLogSegment segment, int from, int to) {
    }

    /** [append lock] */
    private void ensureWritable() {
        if (closed) {
            throw new IllegalStateException("commit log in " + dir + " is closed");
        }
        StorageException f = failure;
        if (f != null) {
            throw new StorageException(f.getMessage(), f);
        }
    }

    private void requireAppendLock() {
        if (!appendLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("the caller must hold appendLock()");
        }
    }

    private void requireNoAppendLock(String method) {
        if (appendLock.isHeldByCurrentThread()) {
            // The sync lock is taken before the append lock; the other order could deadlock.
            throw new IllegalStateException(method + " must not be called while holding appendLock()");
        }
    }

    /**
     * The next segment, prepared ahead on the allocator. Whoever runs it first creates the file: the
     * allocator, or a roll that found it not started and does the work itself rather than wait.
     */
    private final class Spare implements Runnable {
        private final long id;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final CompletableFuture<CommitLogSegment> result = new CompletableFuture<>();

        Spare(long id) {
            this.id = id;
        }

        @Override
        public void run() {
            if (claimed.compareAndSet(false, true)) {
                try {
                    result.complete(CommitLogSegment.create(dir, id, segmentBytes, false));
                    space.available(DiskSpace.Need.COMMIT_LOG);
                } catch (IOException | RuntimeException e) {
                    if (DiskSpace.isFull(e)) {
                        // Reported now, ahead of the roll that will need it.
                        space.full(DiskSpace.Need.COMMIT_LOG, dir, e);
                    }
                    result.completeExceptionally(e);
                }
            }
        }

        /** True when its allocation has run and failed. */
        boolean failed() {
            return result.isCompletedExceptionally();
        }

        /** Creates it here unless that has begun elsewhere; null if it failed (the caller retries, reporting). */
        CommitLogSegment take() {
            run();
            try {
                return result.join();
            } catch (CompletionException e) {
                return null;
            }
        }

        /** Makes sure the spare never becomes a file, or removes it if it has. */
        void delete() {
            CommitLogSegment s = claimed.compareAndSet(false, true) ? null : take();
            if (s != null) {
                s.release();
                try {
                    Files.deleteIfExists(s.path());
                } catch (IOException ignored) {
                    // A leftover spare holds no entry; replay reads it as empty.
                }
            }
        }

        void abandon() {
            CommitLogSegment s = claimed.compareAndSet(false, true) ? null : take();
            if (s != null) {
                s.closeFile();
            }
        }
    }

    // ---- positions and files ----

    static long position(long segmentId, int offset) {
        return segmentId << 32 | offset;
    }

    static String describe(long position) {
        return "segment " + (position >>> 32) + " offset " + (position & 0xffffffffL);
    }

    /** Ids of the segment files in {@code dir}, ascending; none if it does not exist. */
    static long[] listSegmentIds(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return new long[0];
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> SEGMENT_NAME.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches)
                    .mapToLong(m -> Long.parseLong(m.group(1)))
                    .sorted()
                    .toArray();
        }
    }

    // ---- replay ----

    interface EntryConsumer {
        /** One DATA entry; {@code payload} reads the bytes after its header and may be read fully. */
        void accept(long segmentId, ByteReader payload);
    }

    /** What {@link #replayFrom} tells its caller: each DATA entry with its position, and each skip. */
    interface PositionedEntryConsumer {
        /** One DATA entry ending just before {@code endPosition}; {@code payload} reads its bytes. */
        void accept(long endPosition, ByteReader payload);

        /**
         * Under {@link CorruptionPolicy#SKIP_REST_OF_SEGMENT}: replay found damage to fsynced data at
         * {@code offset} of segment {@code segmentId} and delivered nothing of that segment from there on.
         */
        default void skipped(long segmentId, int offset) {
        }
    }

    /**
     * {@code maxSegmentId}: the largest segment id in the directory, counting every file, even empty,
     * skipped or removed as a torn tail (-1 if none); a new log starts after it.
     */
    record ReplayResult(long maxSegmentId, int segmentsReplayed, long entriesReplayed, long tornBytesDiscarded) {
    }

    /**
     * Replays the segments with id above {@code afterSegmentId} in id order, passing each DATA entry to
     * {@code consumer}, applying the torn-tail rule and {@code policy} (see the class comment). Throws
     * {@link CorruptDataException} for damaged fsynced data under {@link CorruptionPolicy#STOP}, and
     * {@link StorageException} for a file it cannot read or that a newer format wrote.
     */
    static ReplayResult replay(Path dir, long afterSegmentId, CorruptionPolicy policy, EntryConsumer consumer) {
        Checks.require(afterSegmentId >= -1 && afterSegmentId < MAX_SEGMENT_ID, "afterSegmentId", afterSegmentId,
                "-1.." + (MAX_SEGMENT_ID - 1));
        Checks.require(consumer != null, "consumer", null, "an EntryConsumer");
        return replayFrom(dir, position(afterSegmentId + 1, 0), policy, POLICY_KEY,
                (end, payload) -> consumer.accept(end >>> 32, payload));
    }

    /**
     * As {@link #replay}, from {@code fromPosition} on: segments with smaller ids are not read, and the
     * one holding it is read from that offset (an entry boundary, or any offset inside its header), so
     * damage before it, in entries a caller no longer needs, goes unnoticed. {@code policyKey} names
     * the setting that chose {@code policy}, for the messages that tell an operator what to change.
     */
    static ReplayResult replayFrom(Path dir, long fromPosition, CorruptionPolicy policy, String policyKey,
                                   PositionedEntryConsumer consumer) {
        Checks.require(fromPosition >= 0, "fromPosition", fromPosition, ">= 0");
        Checks.require(policy != null, "policy", null, "a CorruptionPolicy");
        Checks.require(policyKey != null, "policyKey", null, "the name of the policy's setting");
        Checks.require(consumer != null, "consumer", null, "a PositionedEntryConsumer");
        try {
            return new Replay(dir, fromPosition, policy, policyKey, consumer).run();
        } catch (IOException e) {
            throw new StorageException("cannot replay the commit log in " + dir + ": " + e, e);
        }
    }

    /** Where replay found damage; {@code retry}: the file being read when it was found is still unread. */
    private record Damage(long segmentId, int offset, String reason, boolean retry) {
    }

    private record Certificate(Path file, int offset, long certified) {
    }

    /** One replay: reads segments in order, deciding at each damage whether it is a torn tail. */
    private static final class Replay {
        private final Path dir;
        private final long fromSegment;
        private final int fromOffset;
        private final CorruptionPolicy policy;
        private final String policyKey;
        private final PositionedEntryConsumer consumer;
        private long[] ids;
        /** The previous segment reached zeros without SEGMENT_END: damage there if a later one holds data. */
        private Damage openEnd;
        /** The previous segment ended with SEGMENT_END: the next one must follow it. */
        private long endedId = -1;
        private int segmentsReplayed;
        private long entriesReplayed;
        private long tornBytes;

        Replay(Path dir, long fromPosition, CorruptionPolicy policy, String policyKey,
               PositionedEntryConsumer consumer) {
            this.dir = dir;
            this.fromSegment = fromPosition >>> 32;
            this.fromOffset = (int) (fromPosition & 0xffffffffL);
            this.policy = policy;
            this.policyKey = policyKey;
            this.consumer = consumer;
        }

        ReplayResult run() throws IOException {
            long[] all = listSegmentIds(dir);
            long maxSegmentId = all.length == 0 ? -1 : all[all.length - 1];
            ids = Arrays.stream(all).filter(id -> id >= fromSegment).toArray();
            int i = 0;
            while (i < ids.length) {
                Damage damage;
                try (CommitLogSegment.Reader r = open(ids[i])) {
                    damage = read(r);
                }
                if (damage != null && isTornTail(damage)) {
                    cutTornTail(damage);
                    break;
                }
                if (damage == null || !damage.retry()) {
                    i++;
                }
            }
            log.debug("Replayed {} commit log entries from {} segments in {}{}", entriesReplayed, segmentsReplayed,
                    dir, tornBytes > 0 ? ", less a torn tail of " + tornBytes + " bytes" : "");
            return new ReplayResult(maxSegmentId, segmentsReplayed, entriesReplayed, tornBytes);
        }

        private CommitLogSegment.Reader open(long id) throws IOException {
            CommitLogSegment.Reader r = CommitLogSegment.Reader.open(segmentPath(dir, id), id);
            if (r.headerUnusable() != null) {
                r.close();
                // Never treated as damage: the torn-tail repair would delete a file it does not understand.
                throw new StorageException("commit log segment " + r.path() + " cannot be replayed: "
                        + r.headerUnusable() + ". It is left as it was.");
            }
            return r;
        }

        /** Delivers the entries of one segment; returns the damage that stopped it, or null. */
        private Damage read(CommitLogSegment.Reader r) throws IOException {
            boolean startsLog = r.headerValid() && r.startsLog();
            if (openEnd != null && !startsLog) {
                if (r.holdsNothing()) {
                    segmentsReplayed++;
                    return null; // an unused spare: the log may still end where the previous segment stopped
                }
                Damage d = new Damage(openEnd.segmentId(), openEnd.offset(), openEnd.reason() + " " + r.path()
                        + (r.headerDamage() == null ? " holds data" : " is damaged: " + r.headerDamage()), true);
                openEnd = null;
                return d;
            }
            if (endedId >= 0 && !startsLog && r.id() != endedId + 1) {
                Damage d = new Damage(endedId + 1, 0, "the segment after an ended one is missing", true);
                endedId = -1;
                return d;
            }
            openEnd = null;
            endedId = -1;
            if (!r.headerValid()) {
                return new Damage(r.id(), 0, r.headerDamage(), false);
            }
            segmentsReplayed++;
            int off = r.id() == fromSegment ? Math.max(SEGMENT_HEADER_BYTES, fromOffset) : SEGMENT_HEADER_BYTES;
            while (true) {
                CommitLogSegment.Reader.Parsed e = r.parse(off);
                if (e.problem() != null) {
                    return new Damage(r.id(), off, e.problem(), false);
                }
                switch (e.kind()) {
                    case CommitLogSegment.Reader.NOTHING -> {
                        int data = r.lastNonZero(off);
                        if (data >= 0) {
                            return new Damage(r.id(), off, "no entry starts there, yet data follows at offset " + data,
                                    false);
                        }
                        r.fsync();
                        openEnd = new Damage(r.id(), off, "the segment stops there without an end entry, yet the"
                                + " later segment", true);
                        return null;
                    }
                    case KIND_SEGMENT_END -> {
                        r.fsync();
                        endedId = r.id();
                        return null;
                    }
                    case KIND_DATA -> {
                        consumer.accept(position(r.id(), e.end()), new ByteReader(r.payload(off, e)));
                        entriesReplayed++;
                    }
                    default -> {
                        // A sync marker: replay needs it only when looking past damage.
                    }
                }
                off = e.end();
            }
        }

        /** Torn unless a later sync marker vouches for the damaged bytes; then the policy applies. */
        private boolean isTornTail(Damage d) throws IOException {
            Certificate c = findCertificate(d);
            if (c == null) {
                return true;
            }
            String message = "commit log segment " + segmentPath(dir, d.segmentId()) + " is damaged at offset "
                    + d.offset() + " (" + d.reason() + ") in data that had been fsynced: the sync marker in "
                    + c.file() + " at offset " + c.offset() + " vouches for everything before "
                    + describe(c.certified());
            if (policy == CorruptionPolicy.STOP) {
                throw new CorruptDataException(message + ". Replay refused; every file is left as it was. To skip"
                        + " the rest of the damaged segment, losing its later entries, set " + policyKey + "="
                        + CorruptionPolicy.SKIP_REST_OF_SEGMENT.name().toLowerCase(Locale.ROOT));
            }
            log.error("{}; skipping the rest of that segment ({}={})", message, policyKey,
                    policy.name().toLowerCase(Locale.ROOT));
            consumer.skipped(d.segmentId(), d.offset());
            return false;
        }

        /** The first marker after the damage certifying a position beyond it, or null. */
        private Certificate findCertificate(Damage d) throws IOException {
            long damageAt = position(d.segmentId(), d.offset());
            Path damaged = segmentPath(dir, d.segmentId());
            if (Files.exists(damaged)) {
                try (CommitLogSegment.Reader r = open(d.segmentId())) {
                    int m = r.scanForCertifyingMarker(d.offset(), damageAt);
                    if (m >= 0) {
                        return new Certificate(r.path(), m, r.certified(m));
                    }
                }
            }
            for (long id : laterThan(d.segmentId())) {
                try (CommitLogSegment.Reader r = open(id)) {
                    int m = certifyingMarker(r, damageAt);
                    if (m >= 0) {
                        return new Certificate(r.path(), m, r.certified(m));
                    }
                }
            }
            return null;
        }

        /** Follows the entries of a later segment, scanning byte by byte from wherever they stop making sense. */
        private static int certifyingMarker(CommitLogSegment.Reader r, long damageAt) {
            int off = r.entriesStart();
            while (r.headerValid()) {
                CommitLogSegment.Reader.Parsed e = r.parse(off);
                if (e.problem() != null || e.kind() == CommitLogSegment.Reader.NOTHING) {
                    break;
                }
                if (e.kind() == KIND_SEGMENT_END) {
                    return -1;
                }
                if (e.kind() == KIND_SYNC_MARKER && r.certified(off) > damageAt) {
                    return off;
                }
                off = e.end();
            }
            return r.scanForCertifyingMarker(off, damageAt);
        }

        /**
         * Ends the log at the damage, for this replay and the next: deletes the later segments (newest
         * first, so an interrupted repair leaves a shorter suffix, never a gap), then writes a SEGMENT_END
         * at the damage, or deletes the damaged segment if its header is gone.
         */
        private void cutTornTail(Damage d) throws IOException {
            long discarded = 0;
            long[] later = laterThan(d.segmentId());
            for (int k = later.length - 1; k >= 0; k--) {
                try (CommitLogSegment.Reader r = open(later[k])) {
                    discarded += r.contentBytesFrom(r.entriesStart());
                }
                Files.deleteIfExists(segmentPath(dir, later[k]));
            }
            boolean deletedAny = later.length > 0;
            Path damaged = segmentPath(dir, d.segmentId());
            if (Files.exists(damaged)) {
                boolean headerValid;
                int capacity;
                try (CommitLogSegment.Reader r = open(d.segmentId())) {
                    discarded += r.contentBytesFrom(d.offset());
                    headerValid = r.headerValid();
                    capacity = r.capacity();
                }
                if (deletedAny) {
                    DurableFiles.fsyncDirectory(dir);
                }
                if (!headerValid) {
                    Files.delete(damaged);
                    deletedAny = true;
                } else if ((long) d.offset() + END_BYTES <= capacity) {
                    CommitLogSegment.sealAt(damaged, d.offset());
                } else {
                    // Our writer always leaves room; a checksummed entry running into the reserve is forged.
                    throw new StorageException("commit log segment " + damaged + " ends in a torn write at offset "
                            + d.offset() + " with no room to mark its end; move the file aside to start");
                }
            }
            if (deletedAny) {
                DurableFiles.fsyncDirectory(dir);
            }
            tornBytes += discarded;
            log.warn("Commit log {} ends in a torn write at offset {} ({}): discarded {} bytes written after the"
                            + " last completed fsync{}; replay stops there", damaged, d.offset(), d.reason(), discarded,
                    later.length == 0 ? "" : ", deleting " + later.length + " later segment file(s)");
        }

        private long[] laterThan(long segmentId) {
            return Arrays.stream(ids).filter(id -> id > segmentId).toArray();
        }
    }
}
