package io.kvorum.storage.lsm;

import io.kvorum.core.Bytes;
import io.kvorum.core.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One commit-log segment file: its header, the preallocated and mapped file that appends copy into,
 * and a {@link Reader} that parses a segment back on replay. {@link CommitLog} documents the format
 * and owns the rules (locking, sync markers, what damage means); this class knows bytes at offsets.
 *
 * <p>A writable segment is written full of zeros with real writes, its header written, the file and
 * its directory fsynced, and only then mapped. A sparse file would allocate blocks on the first store
 * into each page, so a full disk would surface as SIGBUS (an {@code InternalError}) halfway through
 * copying an entry; preallocating turns it into an {@link IOException} before any entry is at stake.
 *
 * <p>Mappings are released explicitly ({@link MappedFiles}) when a segment is closed.
 */
final class CommitLogSegment {
    static final int SEGMENT_HEADER_BYTES = 32;
    static final int FORMAT_VERSION = 1;
    /** "KVRMCLOG" read as a little-endian u64. */
    static final long SEGMENT_MAGIC = 0x474f4c434d52564bL;
    static final int FLAG_STARTS_LOG = 1;

    static final int KIND_DATA = 1;
    static final int KIND_SYNC_MARKER = 2;
    static final int KIND_SEGMENT_END = 3;

    /** "KVRMSYNC" read as a little-endian u64: what replay scans for past damage. */
    static final long MARKER_MAGIC = 0x434e59534d52564bL;
    static final int MARKER_BYTES = CommitLog.HEADER_BYTES + 16;
    static final int END_BYTES = CommitLog.HEADER_BYTES;
    /**
     * Room every segment keeps after its last DATA entry for what may follow it there: the marker of
     * the sync that forces it, the marker vouching for that sync, and the end entry. So a sync never
     * waits for a new segment, and a roll always has room to end the old one.
     */
    static final int RESERVED_BYTES = 2 * MARKER_BYTES + END_BYTES;
    static final int MIN_SEGMENT_BYTES = SEGMENT_HEADER_BYTES + CommitLog.HEADER_BYTES + RESERVED_BYTES;
    static final int MAX_SEGMENT_BYTES = Integer.MAX_VALUE;

    private static final int ZERO_CHUNK_BYTES = 256 * 1024;
    private static final byte[] END_ENTRY = entry(KIND_SEGMENT_END, new byte[0]);
    private final long id;
    private final Path path;
    private final FileChannel channel;
    private final MappedByteBuffer buffer;
    private final int capacity;
    /** Guarded by the append lock. */
    private int writeOffset = SEGMENT_HEADER_BYTES;
    /** Guarded by the sync lock. */
    private int syncedOffset = SEGMENT_HEADER_BYTES;

    private CommitLogSegment(long id, Path path, FileChannel channel, MappedByteBuffer buffer, int capacity) {
        this.id = id;
        this.path = path;
        this.channel = channel;
        this.buffer = buffer;
        this.capacity = capacity;
    }

    /**
     * Creates, preallocates and maps segment {@code id}. On failure the partial file is removed, so a
     * full disk leaves nothing behind for replay to puzzle over.
     */
    static CommitLogSegment create(Path dir, long id, int capacity, boolean startsLog) throws IOException {
        Path path = CommitLog.segmentPath(dir, id);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer zeros = ByteBuffer.allocate(Math.min(capacity, ZERO_CHUNK_BYTES));
            long written = 0;
            while (written < capacity) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), capacity - written));
                written += channel.write(zeros, written);
            }
            ByteBuffer header = ByteBuffer.wrap(encodeHeader(id, capacity, startsLog));
            while (header.hasRemaining()) {
                channel.write(header, header.position());
            }
            channel.force(true);
            DurableFiles.fsyncDirectory(dir);
            MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
            return new CommitLogSegment(id, path, channel, buffer, capacity);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    long id() {
        return id;
    }

    Path path() {
        return path;
    }

    int capacity() {
        return capacity;
    }

    /** [append lock] */
    int writeOffset() {
        return writeOffset;
    }

    /** [sync lock] */
    int syncedOffset() {
        return syncedOffset;
    }

    /** [sync lock] */
    void syncedOffset(int offset) {
        syncedOffset = offset;
    }

    /** [append lock] Whether {@code bytes} fit with {@code reserve} bytes still free after them. */
    boolean fits(int bytes, int reserve) {
        return (long) writeOffset + bytes + reserve <= capacity;
    }

    /** [append lock] Copies {@code src[0, length)} at the write offset; returns the offset after it. */
    int append(byte[] src, int length) {
        buffer.put(writeOffset, src, 0, length);
        writeOffset += length;
        return writeOffset;
    }

    /** [append lock] Ends the segment; the reserve guarantees room. */
    void appendEnd() {
        append(END_ENTRY, END_ENTRY.length);
    }

    /** [sync lock] Makes {@code [from, to)} durable. Safe while appends copy into later offsets. */
    void force(int from, int to) throws IOException {
        try {
            buffer.force(from, to - from);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Closes the file but leaves the mapping for the garbage collector: for a simulated crash. */
    void closeFile() {
        closeQuietly(channel);
    }

    /** Closes the file and unmaps it. Nothing may touch this segment afterwards. */
    void release() {
        closeQuietly(channel);
        MappedFiles.unmap(buffer);
    }

    @Override
    public String toString() {
        return path.toString();
    }

    // ---- format ----

    static byte[] encodeHeader(long id, int capacity, boolean startsLog) {
        byte[] h = new byte[SEGMENT_HEADER_BYTES];
        Bytes.putLong(h, 0, SEGMENT_MAGIC);
        Bytes.putInt(h, 8, FORMAT_VERSION);
        Bytes.putInt(h, 12, startsLog ? FLAG_STARTS_LOG : 0);
        Bytes.putLong(h, 16, id);
        Bytes.putInt(h, 24, capacity);
        CRC32C crc = new CRC32C();
        crc.update(h, 0, 28);
        Bytes.putInt(h, 28, (int) crc.getValue());
        return h;
    }

    /** Writes the length, CRC and kind of the entry {@code buf[0, length)} whose payload is already in place. */
    static void frame(byte[] buf, int length, int kind) {
        Bytes.putInt(buf, 0, length - 8);
        buf[8] = (byte) kind;
        CRC32C crc = new CRC32C();
        crc.update(buf, 0, 4);
        crc.update(buf, 8, length - 8);
        Bytes.putInt(buf, 4, (int) crc.getValue());
    }

    private static byte[] entry(int kind, byte[] payload) {
        byte[] e = new byte[CommitLog.HEADER_BYTES + payload.length];
        System.arraycopy(payload, 0, e, CommitLog.HEADER_BYTES, payload.length);
        frame(e, e.length, kind);
        return e;
    }

    /** A sync marker vouching that everything before {@code certified} was fsynced before it was written. */
    static byte[] markerEntry(long certified) {
        byte[] payload = new byte[16];
        Bytes.putLong(payload, 0, MARKER_MAGIC);
        Bytes.putLong(payload, 8, certified);
        return entry(KIND_SYNC_MARKER, payload);
    }

    /** Writes an end entry at {@code offset} of an existing segment file and fsyncs it: the torn-tail repair. */
    static void sealAt(Path path, int offset) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ByteBuffer end = ByteBuffer.wrap(END_ENTRY);
            while (end.hasRemaining()) {
                ch.write(end, offset + end.position());
            }
            ch.force(true);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing releases a descriptor; there is nothing left to flush or report.
        }
    }

    /**
     * A read-only view of one segment file for replay. Nothing in the file is trusted: the header and
     * every entry are checked before use, and a check that fails says what it found.
     */
    static final class Reader implements AutoCloseable {
        /** {@link Parsed#kind} when the entry header is all zeros: nothing was written there. */
        static final int NOTHING = 0;

        private final long id;
        private final Path path;
        private final FileChannel channel;
        private final MappedByteBuffer map;
        private final long fileSize;
        private final int limit;
        private final int capacity;
        private final boolean startsLog;
        /** Why the header is damaged (torn or altered), or null. */
        private final String headerDamage;
        /** Why the header, intact, describes something this build must not touch, or null. */
        private final String headerUnusable;

        /** One parse step: an entry ending at {@code end}, a zero header, or damage with its reason. */
        record Parsed(int kind, int end, String problem) {
        }

        private Reader(long id, Path path, FileChannel channel, MappedByteBuffer map, long fileSize) {
            this.id = id;
            this.path = path;
            this.channel = channel;
            this.map = map;
            this.fileSize = fileSize;
            String damage = null;
            String unusable = null;
            int cap = 0;
            boolean starts = false;
            if (map.capacity() < SEGMENT_HEADER_BYTES) {
                damage = "the file is " + fileSize + " bytes, shorter than the " + SEGMENT_HEADER_BYTES
                        + "-byte segment header";
            } else {
                CRC32C crc = new CRC32C();
                crc.update(map.slice(0, 28));
                if ((int) crc.getValue() != map.getInt(28)) {
                    damage = "segment header checksum mismatch";
                } else {
                    long magic = map.getLong(0);
                    int version = map.getInt(8);
                    int flags = map.getInt(12);
                    long headerId = map.getLong(16);
                    cap = map.getInt(24);
                    starts = (flags & FLAG_STARTS_LOG) != 0;
                    if (magic != SEGMENT_MAGIC) {
                        unusable = "not a commit log segment (magic 0x" + Long.toHexString(magic) + ")";
                    } else if (version != FORMAT_VERSION) {
                        unusable = "segment format version " + version + ", this build reads " + FORMAT_VERSION;
                    } else if (headerId != id) {
                        unusable = "its header says segment " + headerId + ", its name says " + id;
                    } else if ((flags & ~FLAG_STARTS_LOG) != 0 || cap < MIN_SEGMENT_BYTES) {
                        unusable = "unknown header flags 0x" + Integer.toHexString(flags) + " or capacity " + cap;
                    }
                }
            }
            this.headerDamage = damage;
            this.headerUnusable = unusable;
            this.capacity = cap;
            this.startsLog = starts;
            this.limit = damage == null && unusable == null ? Math.min(map.capacity(), cap) : map.capacity();
        }

        static Reader open(Path path, long id) throws IOException {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            try {
                long size = channel.size();
                MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0,
                        Math.min(size, Integer.MAX_VALUE));
                map.order(ByteOrder.LITTLE_ENDIAN);
                return new Reader(id, path, channel, map, size);
            } catch (IOException | RuntimeException e) {
                closeQuietly(channel);
                throw e;
            }
        }

        long id() {
            return id;
        }

        Path path() {
            return path;
        }

        boolean headerValid() {
            return headerDamage == null && headerUnusable == null;
        }

        String headerDamage() {
            return headerDamage;
        }

        String headerUnusable() {
            return headerUnusable;
        }

        boolean startsLog() {
            return startsLog;
        }

        int capacity() {
            return capacity;
        }

        /** A valid header followed by nothing but zeros, at full size: a spare that never got an entry. */
        boolean holdsNothing() {
            return headerValid() && fileSize >= capacity && lastNonZero(SEGMENT_HEADER_BYTES) < 0;
        }

        /** Where entries start, or 0 when the header cannot be trusted. */
        int entriesStart() {
            return headerValid() ? SEGMENT_HEADER_BYTES : 0;
        }

        /** Reads the entry header at {@code off} and checks the whole entry. */
        Parsed parse(int off) {
            if ((long) off + 8 > limit) {
                return damage(fileSize < capacity
                        ? "the file is " + fileSize + " bytes, its header says " + capacity + ": truncated"
                        : "no room for an entry header before the end of the segment");
            }
            int length = map.getInt(off);
            int storedCrc = map.getInt(off + 4);
            if (length == 0 && storedCrc == 0) {
                return new Parsed(NOTHING, off, null);
            }
            int room = limit - off - 8;
            if (length < 1 || length > room) {
                return damage("entry length " + Integer.toUnsignedString(length) + " out of range (expected: 1.."
                        + room + (fileSize < capacity ? ", in a file truncated to " + fileSize + " bytes)" : ")"));
            }
            CRC32C crc = new CRC32C();
            crc.update(map.slice(off, 4));
            crc.update(map.slice(off + 8, length));
            if ((int) crc.getValue() != storedCrc) {
                return damage("entry checksum mismatch");
            }
            int kind = map.get(off + 8) & 0xff;
            boolean wellFormed = switch (kind) {
                case KIND_DATA -> true;
                case KIND_SYNC_MARKER -> length == MARKER_BYTES - 8 && map.getLong(off + 9) == MARKER_MAGIC
                        && certified(off) <= CommitLog.position(id, off);
                case KIND_SEGMENT_END -> length == 1;
                default -> false;
            };
            if (!wellFormed) {
                return damage("malformed entry of kind " + kind + " and length " + length);
            }
            return new Parsed(kind, off + 8 + length, null);
        }

        private static Parsed damage(String problem) {
            return new Parsed(-1, -1, problem);
        }

        /** The payload of the entry at {@code off} that {@link #parse} accepted, copied out of the file. */
        byte[] payload(int off, Parsed entry) {
            byte[] out = new byte[entry.end() - off - CommitLog.HEADER_BYTES];
            map.get(off + CommitLog.HEADER_BYTES, out, 0, out.length);
            return out;
        }

        /** The position the sync marker at {@code off} vouches for. */
        long certified(int off) {
            return map.getLong(off + 17);
        }

        /**
         * The offset of the first sync marker starting at or after {@code from} whose checksum holds and
         * which vouches for a position beyond {@code damagePosition}; -1 if none. Scans byte by byte,
         * since past damage there is no entry boundary to follow.
         */
        int scanForCertifyingMarker(int from, long damagePosition) {
            for (int p = Math.max(from, 0) + CommitLog.HEADER_BYTES; p <= limit - 16; p++) {
                if (map.getLong(p) == MARKER_MAGIC) {
                    int start = p - CommitLog.HEADER_BYTES;
                    Parsed e = parse(start);
                    if (e.problem() == null && e.kind() == KIND_SYNC_MARKER && certified(start) > damagePosition) {
                        return start;
                    }
                }
            }
            return -1;
        }

        /** The offset of the last non-zero byte at or after {@code from}, or -1. */
        int lastNonZero(int from) {
            int i = limit;
            while (i - 8 >= from && map.getLong(i - 8) == 0) {
                i -= 8;
            }
            while (i > from) {
                i--;
                if (map.get(i) != 0) {
                    return i;
                }
            }
            return -1;
        }

        /** Bytes from {@code from} to the last non-zero byte: what would be lost by cutting there. */
        long contentBytesFrom(int from) {
            int last = lastNonZero(from);
            return last < 0 ? 0 : last + 1L - from;
        }

        /** Makes what replay read durable, so the next log can never end up ahead of it. */
        void fsync() throws IOException {
            channel.force(true);
        }

        @Override
        public void close() {
            closeQuietly(channel);
            MappedFiles.unmap(map);
        }
    }
}
