package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Checks;
import io.kvorum.core.CorruptDataException;
import io.kvorum.storage.StorageException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The commit log's format and rules, for other modules that keep an append-only log of their own
 * (the hint store keeps one per target node): segments of {@code u32 length, u32 crc32c, body}
 * entries, group commit, sync markers, the torn-tail rule and the {@link CorruptionPolicy}, all as
 * {@link CommitLog} documents them, plus what a log that is read back while it grows needs: the
 * position of every entry, replay from a position, reading from a position, and deleting the
 * segments before one. Nothing here is a second implementation: each call goes to the commit log
 * and its segment reader.
 *
 * <p>A <em>position</em> is {@code segment id << 32 | offset}; it grows along the log, across restarts
 * too. Every entry is known by its <em>end position</em>, the position just after it, which is what
 * {@link #append} returns and what the visitors are given; reading again from an end position
 * continues with the next entry.
 *
 * <p><b>Opening.</b> {@link #open} replays the directory from a position (segments wholly before it
 * are deleted, as their entries are no longer needed): a torn tail is cut off with a warning naming
 * the file and offset, damage to fsynced data follows the policy, and no damaged byte ever reaches a
 * visitor. New entries go to new segments after every existing one; the first is created on the
 * first append, so opening a log that never grows creates no file. The price of that: entries an
 * earlier process wrote after its last sync marker, which replay fsyncs, are vouched for only by this
 * log's first sync, so damage to them before then reads as a torn tail (cut, with a warning) rather
 * than as corruption for the policy.
 *
 * <p><b>Threads.</b> {@link #append}, {@link #awaitDurable} and {@link #sync} may be called from any
 * thread at once; appends are ordered by their positions. {@link #read} may run alongside appends,
 * and sees every entry whose append returned before it started. The caller keeps {@link #read} and
 * {@link #discardBefore} apart (one must not delete segments the other is reading).
 */
public final class EntryLog implements Closeable {
    /** Bytes the caller leaves free at the start of an entry buffer: length, checksum and kind. */
    public static final int HEADER_BYTES = CommitLog.HEADER_BYTES;
    /** The largest payload of one entry. */
    public static final int MAX_PAYLOAD_BYTES = CommitLog.MAX_ENTRY_BYTES - HEADER_BYTES;
    /** The smallest segment the format allows. */
    public static final long MIN_SEGMENT_BYTES = CommitLogSegment.MIN_SEGMENT_BYTES;
    /** The largest segment the format allows. */
    public static final long MAX_SEGMENT_BYTES = CommitLogSegment.MAX_SEGMENT_BYTES;

    /** Receives entries with their end positions; {@code payload} reads the entry's bytes and may be kept. */
    public interface Visitor {
        void entry(long endPosition, ByteReader payload);
    }

    /** What {@link #open} found: entries passed to the visitor, torn bytes cut off, segments skipped as damaged. */
    public record Opened(long entries, long tornBytesDiscarded, int damagedSegments) {
    }

    private final Path dir;
    private final long segmentBytes;
    private final Executor allocator;
    private final long firstNewSegmentId;
    /** Segment id to the offset from which replay skipped it as damaged; read-only after open. */
    private final Map<Long, Integer> skippedFrom;
    private final Opened opened;
    private final ReentrantLock startLock = new ReentrantLock();
    /** Null until the first append. Written under the start lock. */
    private volatile CommitLog log;
    /** The end position of the last entry replayed or appended. Written under the commit log's append lock. */
    private volatile long lastEntryEnd;
    private volatile boolean closed;

    private EntryLog(Path dir, long segmentBytes, Executor allocator, long firstNewSegmentId,
                     Map<Long, Integer> skippedFrom, Opened opened, long lastEntryEnd) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.allocator = allocator;
        this.firstNewSegmentId = firstNewSegmentId;
        this.skippedFrom = Map.copyOf(skippedFrom);
        this.opened = opened;
        this.lastEntryEnd = lastEntryEnd;
    }

    /**
     * Replays the log in {@code dir} from {@code fromPosition} (0: from the start), passing each entry
     * to {@code replayed}, then deletes the segments before the one holding {@code fromPosition}.
     * {@code policyKey} names the setting that chose {@code policy}, for messages. {@code allocator}
     * prepares new segments ahead of need ({@code Runnable::run} prepares them on the appending thread).
     *
     * @throws CorruptDataException for damaged fsynced data under {@link CorruptionPolicy#STOP}
     * @throws StorageException     for a file it cannot read or delete
     */
    public static EntryLog open(Path dir, long fromPosition, long segmentBytes, CorruptionPolicy policy,
                                String policyKey, Executor allocator, Visitor replayed) {
        Checks.require(dir != null, "dir", null, "a directory");
        Checks.require(fromPosition >= 0, "fromPosition", fromPosition, ">= 0");
        Checks.require(segmentBytes >= MIN_SEGMENT_BYTES && segmentBytes <= MAX_SEGMENT_BYTES, "segmentBytes",
                segmentBytes, MIN_SEGMENT_BYTES + ".." + MAX_SEGMENT_BYTES);
        Checks.require(allocator != null, "allocator", null, "an Executor");
        Checks.require(replayed != null, "replayed", null, "a Visitor");
        Map<Long, Integer> skipped = new HashMap<>();
        long[] last = {fromPosition};
        CommitLog.ReplayResult r = CommitLog.replayFrom(dir, fromPosition, policy, policyKey,
                new CommitLog.PositionedEntryConsumer() {
                    @Override
                    public void accept(long endPosition, ByteReader payload) {
                        replayed.entry(endPosition, payload);
                        last[0] = endPosition;
                    }

                    @Override
                    public void skipped(long segmentId, int offset) {
                        skipped.merge(segmentId, offset, Math::min);
                    }
                });
        deleteSegmentsBefore(dir, fromPosition >>> 32);
        // After every file, and after the position itself: a new entry must never sort before it.
        long fromSegment = fromPosition >>> 32;
        long next = Math.max(r.maxSegmentId() + 1, (fromPosition & 0xffffffffL) == 0 ? fromSegment : fromSegment + 1);
        Checks.require(next <= CommitLog.MAX_SEGMENT_ID, "fromPosition", describe(fromPosition),
                "below segment " + CommitLog.MAX_SEGMENT_ID);
        Opened opened = new Opened(r.entriesReplayed(), r.tornBytesDiscarded(), skipped.size());
        return new EntryLog(dir, segmentBytes, allocator, next, skipped, opened, last[0]);
    }

    public Path directory() {
        return dir;
    }

    public Opened opened() {
        return opened;
    }

    /**
     * Appends the entry whose payload is {@code buf[HEADER_BYTES, length)}, framing it in
     * {@code buf[0, HEADER_BYTES)}; returns its end position. It is durable once
     * {@link #awaitDurable} for that position returns, or after the next {@link #sync}.
     *
     * @throws StorageException when no segment can be allocated (a full disk), having written nothing
     */
    public long append(byte[] buf, int length) {
        if (length - HEADER_BYTES > MAX_PAYLOAD_BYTES) {
            Checks.require(false, "length", length, "at most " + (MAX_PAYLOAD_BYTES + HEADER_BYTES));
        }
        CommitLog.frame(buf, length);
        CommitLog l = started();
        ReentrantLock appendLock = l.appendLock();
        appendLock.lock();
        try {
            long end = l.appendLocked(buf, length);
            lastEntryEnd = end;
            return end;
        } finally {
            appendLock.unlock();
        }
    }

    /** Blocks until every entry up to {@code position} is fsynced, sharing the fsync with concurrent callers. */
    public void awaitDurable(long position) {
        CommitLog l = log;
        if (l != null) {
            l.awaitDurable(position); // replayed entries are durable already: replay fsyncs what it reads
        }
    }

    /** Fsyncs every entry appended so far; the owner calls it periodically for entries nobody awaits. */
    public void sync() {
        CommitLog l = log;
        if (l != null) {
            l.sync();
        }
    }

    /** The end position of the last entry, replayed or appended; the position given to open if none. */
    public long lastEntryEnd() {
        return lastEntryEnd;
    }

    /**
     * How far the log has been fsynced: every byte before it is durable (for crash tests, which may
     * only damage what lies beyond). Before the first append, the start of the segment it will create:
     * replay fsynced everything it read, sync markers included.
     */
    public long syncedPosition() {
        CommitLog l = log;
        return l == null ? CommitLog.position(firstNewSegmentId, 0) : l.syncedPosition();
    }

    /** How far the log has been written, sync markers included; as {@link #syncedPosition} before the first append. */
    public long writtenPosition() {
        CommitLog l = log;
        return l == null ? CommitLog.position(firstNewSegmentId, 0) : l.writtenPosition();
    }

    /**
     * Passes the entries after {@code fromPosition} to {@code visitor}, in order: those whose end position
     * is at most {@code untilPosition} and the last entry written when the read began, stopping before
     * the entry that would bring the payload bytes visited past {@code maxBytes} (the first is visited
     * whatever its size). Returns the end position of the last entry visited, or {@code fromPosition}.
     * Segments that replay skipped as damaged are skipped from the same offset.
     *
     * @throws CorruptDataException when an entry that passed replay, or was written since, no longer
     *                              checks: the disk altered it while the log was open
     * @throws StorageException     when a segment cannot be read
     */
    public long read(long fromPosition, long untilPosition, long maxBytes, Visitor visitor) {
        Checks.require(fromPosition >= 0, "fromPosition", fromPosition, ">= 0");
        Checks.require(maxBytes > 0, "maxBytes", maxBytes, "> 0");
        long limit = Math.min(untilPosition, lastEntryEnd);
        long segment = fromPosition >>> 32;
        int offset = (int) (fromPosition & 0xffffffffL);
        long last = fromPosition;
        long bytes = 0;
        try {
            while (CommitLog.position(segment, Math.max(offset, CommitLogSegment.SEGMENT_HEADER_BYTES)) < limit) {
                Path file = CommitLog.segmentPath(dir, segment);
                CommitLogSegment.Reader r;
                try {
                    r = CommitLogSegment.Reader.open(file, segment);
                } catch (NoSuchFileException e) {
                    r = null; // between logs of two processes, or removed with a torn tail
                }
                if (r != null) {
                    try (CommitLogSegment.Reader reader = r) {
                        if (!reader.headerValid() && !skippedFrom.containsKey(segment)) {
                            throw new CorruptDataException("log segment " + file + " is damaged at offset 0 ("
                                    + (reader.headerDamage() != null ? reader.headerDamage() : reader.headerUnusable())
                                    + "), found while reading from " + describe(fromPosition));
                        }
                        int off = Math.max(offset, CommitLogSegment.SEGMENT_HEADER_BYTES);
                        int skipAt = skippedFrom.getOrDefault(segment, Integer.MAX_VALUE);
                        while (reader.headerValid() && off < skipAt && CommitLog.position(segment, off) < limit) {
                            CommitLogSegment.Reader.Parsed e = reader.parse(off);
                            if (e.problem() != null) {
                                throw new CorruptDataException("log segment " + file + " is damaged at offset " + off
                                        + " (" + e.problem() + "), found while reading from " + describe(fromPosition)
                                        + ": the disk altered an entry after it was written or replayed");
                            }
                            if (e.kind() == CommitLogSegment.Reader.NOTHING
                                    || e.kind() == CommitLogSegment.KIND_SEGMENT_END) {
                                break;
                            }
                            if (e.kind() == CommitLogSegment.KIND_DATA) {
                                long end = CommitLog.position(segment, e.end());
                                int size = e.end() - off - HEADER_BYTES;
                                if (end > limit || (last != fromPosition && bytes + size > maxBytes)) {
                                    return last;
                                }
                                visitor.entry(end, new ByteReader(reader.payload(off, e)));
                                bytes += size;
                                last = end;
                            }
                            off = e.end();
                        }
                    }
                }
                long next = nextSegmentAfter(segment);
                if (next < 0) {
                    break;
                }
                segment = next;
                offset = 0;
            }
        } catch (IOException e) {
            throw new StorageException("cannot read log segment " + CommitLog.segmentPath(dir, segment) + ": " + e, e);
        }
        return last;
    }

    /**
     * Deletes every segment before the one holding {@code position}: once everything up to a
     * position is no longer needed, so are those files. Never a segment still written to.
     */
    public void discardBefore(long position) {
        Checks.require(position >= 0 && position <= lastEntryEnd, "position", describe(position),
                "at most the end of the last entry, " + describe(lastEntryEnd));
        long segment = position >>> 32;
        if (segment == 0) {
            return;
        }
        CommitLog l = log;
        if (l != null && segment - 1 < l.currentSegmentId()) {
            l.discardThrough(segment - 1);
        } else {
            deleteSegmentsBefore(dir, segment);
        }
    }

    /** Ids of the segment files in the directory, ascending. */
    public long[] segmentIds() {
        try {
            return CommitLog.listSegmentIds(dir);
        } catch (IOException e) {
            throw new StorageException("cannot list the log segments in " + dir + ": " + e, e);
        }
    }

    /** The bytes the segment files take, preallocated and spare ones included. */
    public long fileBytes() {
        long total = 0;
        for (long id : segmentIds()) {
            try {
                total += Files.size(CommitLog.segmentPath(dir, id));
            } catch (NoSuchFileException e) {
                // deleted meanwhile
            } catch (IOException e) {
                throw new StorageException("cannot size log segment " + CommitLog.segmentPath(dir, id) + ": " + e, e);
            }
        }
        return total;
    }

    /** The path of segment {@code segmentId} of a log in {@code dir}. */
    public static Path segmentPath(Path dir, long segmentId) {
        return CommitLog.segmentPath(dir, segmentId);
    }

    /** A position as people read it: {@code segment 3 offset 4096}. */
    public static String describe(long position) {
        return CommitLog.describe(position);
    }

    /**
     * The most disk one entry with a payload of {@code payloadBytes} can take: its framing, and the two
     * sync markers it can cause (the force that makes it durable and the one vouching for that force).
     * Owners that bound their log in bytes charge each entry this, so the bound holds for the files.
     */
    public static long footprint(int payloadBytes) {
        return (long) HEADER_BYTES + payloadBytes + 2L * CommitLogSegment.MARKER_BYTES;
    }

    /** Syncs, vouches for the last sync, and closes. Segments stay for the next open. Idempotent. */
    @Override
    public void close() {
        CommitLog l = markClosed();
        if (l != null) {
            l.close();
        }
    }

    /**
     * For crash tests: closes every file without syncing or writing anything further, as a killed
     * process would leave them; the page cache keeps what was written.
     */
    public void crashForTest() {
        CommitLog l = markClosed();
        if (l != null) {
            l.abandon();
        }
    }

    private CommitLog markClosed() {
        startLock.lock();
        try {
            closed = true;
            return log;
        } finally {
            startLock.unlock();
        }
    }

    private CommitLog started() {
        CommitLog l = log;
        if (l != null) {
            return l;
        }
        startLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("log in " + dir + " is closed");
            }
            if (log == null) {
                log = CommitLog.create(dir, firstNewSegmentId, segmentBytes, allocator);
            }
            return log;
        } finally {
            startLock.unlock();
        }
    }

    private long nextSegmentAfter(long segment) throws IOException {
        for (long id : CommitLog.listSegmentIds(dir)) {
            if (id > segment) {
                return id;
            }
        }
        return -1;
    }

    private static void deleteSegmentsBefore(Path dir, long segment) {
        try {
            for (long id : CommitLog.listSegmentIds(dir)) {
                if (id >= segment) {
                    break;
                }
                // No directory fsync: a deletion a power cut undoes leaves a file the next open deletes again.
                Files.deleteIfExists(CommitLog.segmentPath(dir, id));
            }
        } catch (IOException e) {
            throw new StorageException("cannot delete log segments before " + segment + " in " + dir + ": " + e, e);
        }
    }
}
