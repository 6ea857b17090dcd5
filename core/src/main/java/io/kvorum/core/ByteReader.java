package io.kvorum.core;

/**
 * A cursor over untrusted bytes. Every read checks bounds and form and throws
 * {@link CorruptDataException} naming the offset, so a decoder built on it cannot be walked off
 * the end of its input or into a huge allocation by a bad length.
 */
public final class ByteReader {
    private final byte[] buf;
    private final int limit;
    private int pos;

    /** Reads {@code buf[offset, offset + length)}. */
    public ByteReader(byte[] buf, int offset, int length) {
        Checks.require(offset >= 0 && length >= 0 && offset + length <= buf.length, "range",
                offset + "+" + length, "within an array of " + buf.length);
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
    }

    public ByteReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public int position() {
        return pos;
    }

    public void position(int newPos) {
        Checks.require(newPos >= 0 && newPos <= limit, "position", newPos, "0.." + limit);
        pos = newPos;
    }

    public int remaining() {
        return limit - pos;
    }

    public byte[] array() {
        return buf;
    }

    private void need(int n) {
        if (n < 0 || limit - pos < n) {
            throw new CorruptDataException("truncated: need " + n + " bytes at offset " + pos + ", have "
                    + (limit - pos));
        }
    }

    public int readUnsignedByte() {
        need(1);
        return buf[pos++] & 0xff;
    }

    public long readLong() {
        need(8);
        long v = Bytes.getLong(buf, pos);
        pos += 8;
        return v;
    }

    public int readInt() {
        need(4);
        int v = Bytes.getInt(buf, pos);
        pos += 4;
        return v;
    }

    /** An unsigned LEB128 varint of at most 10 bytes that fits in 64 bits. */
    public long readVarLong() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            byte b = buf[pos++];
            if (shift == 63 && (b & 0xfe) != 0) {
                break;
            }
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new CorruptDataException("malformed varint ending at offset " + pos);
    }

    /** A varint that must lie in {@code [0, max]}; {@code what} names it in the error. */
    public int readVarInt(int max, String what) {
        long v = readVarLong();
        if (v < 0 || v > max) {
            throw new CorruptDataException(what + " " + Long.toUnsignedString(v) + " at offset " + pos
                    + " is out of range (expected: 0.." + max + ")");
        }
        return (int) v;
    }

    /** A length-prefixed byte string no longer than the remaining input. */
    public byte[] readLengthPrefixed(String what) {
        int n = readVarInt(Integer.MAX_VALUE, what + " length");
        return readBytes(n, what);
    }

    public byte[] readBytes(int n, String what) {
        if (remaining() < n) {
            throw new CorruptDataException(what + " of " + n + " bytes at offset " + pos + " overruns the input ("
                    + remaining() + " bytes left)");
        }
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public void skip(int n) {
        need(n);
        pos += n;
    }
}
