package io.kvorum.core;

import java.util.zip.CRC32C;

/**
 * The binary form of a {@link Record}, shared by the commit log, SSTables and the wire.
 *
 * <p>The <em>body</em> is the record alone; containers that checksum many records at once (a
 * commit-log entry, an SSTable block) store bodies back to back. The <em>framed</em> form, for a
 * record standing alone, adds a format version in front and a CRC32C of everything before it at
 * the end, so a truncated or altered record is rejected rather than misread.
 *
 * <pre>
 * body    := key flags dot timestamp context [value]
 * key     := varint length, bytes          -- first, so a reader can compare keys without decoding
 * flags   := u8; bit 0 = tombstone; other bits must be 0
 * dot     := node i64, epoch varint, counter varint (> 0)
 * timestamp := varint millis since the epoch
 * context := varint count, count * (node i64, epoch varint, counter varint), actors increasing
 * value   := varint length, bytes          -- absent for a tombstone
 * framed  := u8 version (1), body, i32 crc32c(version + body)
 * </pre>
 * Fixed-width integers are little-endian; varints are unsigned LEB128.
 */
public final class RecordCodec {
    public static final int FORMAT_VERSION = 1;
    private static final int FLAG_TOMBSTONE = 1;
    /** The smallest context entry: 8-byte node, 1-byte epoch, 1-byte counter. */
    private static final int MIN_ACTOR_ENTRY_BYTES = 10;

    private RecordCodec() {
    }

    /** Size in bytes of the record's body. */
    public static int bodySize(Record r) {
        int size = Bytes.varLongSize(r.key().length()) + r.key().length()
                + 1
                + actorSize(r.dot().actor()) + Bytes.varLongSize(r.dot().counter())
                + Bytes.varLongSize(r.timestampMillis())
                + contextSize(r.context());
        if (!r.isTombstone()) {
            size += Bytes.varLongSize(r.valueLength()) + r.valueLength();
        }
        return size;
    }

    /** Writes the body at {@code dst[off]}; returns the offset after it. */
    public static int writeBody(Record r, byte[] dst, int off) {
        byte[] key = r.key().bytes();
        off = Bytes.putVarLong(dst, off, key.length);
        System.arraycopy(key, 0, dst, off, key.length);
        off += key.length;
        dst[off++] = (byte) (r.isTombstone() ? FLAG_TOMBSTONE : 0);
        off = writeActor(r.dot().actor(), dst, off);
        off = Bytes.putVarLong(dst, off, r.dot().counter());
        off = Bytes.putVarLong(dst, off, r.timestampMillis());
        off = writeContext(r.context(), dst, off);
        if (!r.isTombstone()) {
            byte[] value = r.value();
            off = Bytes.putVarLong(dst, off, value.length);
            System.arraycopy(value, 0, dst, off, value.length);
            off += value.length;
        }
        return off;
    }

    /** Reads one body at the reader's position, leaving it after the body. */
    public static Record readBody(ByteReader in) {
        return readRest(Key.adopt(in.readLengthPrefixed("key")), in);
    }

    /**
     * Reads one body whose key's token was stored beside it (an SSTable entry), so the key need not
     * be hashed again. When the key's bytes equal {@code known}'s, the record shares {@code known}
     * instead of a copy: a point read or a run of one key's siblings decodes its key once.
     *
     * @param known a key the caller already holds, or null
     */
    public static Record readBody(ByteReader in, long storedToken, Key known) {
        int length = in.readVarInt(in.remaining(), "key length");
        int from = in.position();
        Key key;
        if (known != null && known.token() == storedToken
                && known.compareTo(storedToken, in.array(), from, from + length) == 0) {
            in.skip(length);
            key = known;
        } else {
            key = Key.adopt(in.readBytes(length, "key"), storedToken);
        }
        return readRest(key, in);
    }

    private static Record readRest(Key key, ByteReader in) {
        int flags = in.readUnsignedByte();
        if ((flags & ~FLAG_TOMBSTONE) != 0) {
            throw new CorruptDataException("unknown record flags 0x" + Integer.toHexString(flags) + " before offset "
                    + in.position());
        }
        Dot dot = readDot(in);
        long timestamp = in.readVarLong();
        if (timestamp < 0) {
            throw new CorruptDataException("negative timestamp before offset " + in.position());
        }
        VersionVector context = readContext(in);
        if ((flags & FLAG_TOMBSTONE) != 0) {
            return Record.tombstone(key, dot, context, timestamp);
        }
        return Record.value(key, dot, context, timestamp, in.readLengthPrefixed("value"));
    }

    /** The framed form: version, body, CRC32C. */
    public static byte[] encode(Record r) {
        byte[] out = new byte[1 + bodySize(r) + 4];
        out[0] = FORMAT_VERSION;
        int end = writeBody(r, out, 1);
        Bytes.putInt(out, end, crc(out, 0, end));
        return out;
    }

    /** Decodes the framed form, rejecting an unknown version, a checksum mismatch or trailing bytes. */
    public static Record decode(byte[] framed) {
        ByteReader in = checkFrame(framed, "record");
        Record r = readBody(in);
        if (in.remaining() != 4) {
            throw new CorruptDataException("record has " + (in.remaining() - 4) + " unexpected trailing bytes");
        }
        return r;
    }

    static int contextSize(VersionVector v) {
        int size = Bytes.varLongSize(v.size());
        for (int i = 0; i < v.size(); i++) {
            size += actorSize(v.actor(i)) + Bytes.varLongSize(v.counter(i));
        }
        return size;
    }

    static int writeContext(VersionVector v, byte[] dst, int off) {
        off = Bytes.putVarLong(dst, off, v.size());
        for (int i = 0; i < v.size(); i++) {
            off = writeActor(v.actor(i), dst, off);
            off = Bytes.putVarLong(dst, off, v.counter(i));
        }
        return off;
    }

    static VersionVector readContext(ByteReader in) {
        int n = in.readVarInt(in.remaining() / MIN_ACTOR_ENTRY_BYTES, "context size");
        if (n == 0) {
            return VersionVector.EMPTY;
        }
        Actor[] actors = new Actor[n];
        long[] counters = new long[n];
        for (int i = 0; i < n; i++) {
            actors[i] = readActor(in);
            counters[i] = in.readVarLong();
        }
        try {
            return VersionVector.ofSorted(actors, counters);
        } catch (IllegalArgumentException e) {
            throw new CorruptDataException("invalid context before offset " + in.position() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks version and CRC32C of a framed encoding and returns a reader over its body (the
     * last 4 bytes, the checksum, remain unread).
     */
    static ByteReader checkFrame(byte[] framed, String what) {
        if (framed.length < 5) {
            throw new CorruptDataException(what + " of " + framed.length + " bytes is truncated (at least 5 expected)");
        }
        int end = framed.length - 4;
        int stored = Bytes.getInt(framed, end);
        int actual = crc(framed, 0, end);
        if (stored != actual) {
            throw new CorruptDataException(what + " checksum mismatch (stored 0x" + Integer.toHexString(stored)
                    + ", computed 0x" + Integer.toHexString(actual) + "): truncated or altered");
        }
        if (framed[0] != FORMAT_VERSION) {
            throw new CorruptDataException(what + " format version " + framed[0] + " is not supported (expected: "
                    + FORMAT_VERSION + ")");
        }
        return new ByteReader(framed, 1, framed.length - 1);
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, len);
        return (int) crc.getValue();
    }

    private static int actorSize(Actor a) {
        return 8 + Bytes.varLongSize(a.epoch());
    }

    private static int writeActor(Actor a, byte[] dst, int off) {
        off = Bytes.putLong(dst, off, a.node().value());
        return Bytes.putVarLong(dst, off, a.epoch());
    }

    private static Actor readActor(ByteReader in) {
        long node = in.readLong();
        int epoch = in.readVarInt(Integer.MAX_VALUE, "epoch");
        return new Actor(new NodeId(node), epoch);
    }

    private static Dot readDot(ByteReader in) {
        Actor actor = readActor(in);
        long counter = in.readVarLong();
        if (counter <= 0) {
            throw new CorruptDataException("dot counter " + Long.toUnsignedString(counter) + " before offset "
                    + in.position() + " is not positive");
        }
        return new Dot(actor, counter);
    }
}
