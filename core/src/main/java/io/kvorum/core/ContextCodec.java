package io.kvorum.core;

/**
 * The opaque causal context handed to clients with every read and taken back with every write.
 *
 * <p>Framed like a record: a format version, the vector, and a CRC32C. The checksum is not a
 * security measure; it makes a context that a client mangled (a truncated copy-paste, a flipped
 * bit) fail loudly instead of silently superseding the wrong siblings.
 */
public final class ContextCodec {
    private ContextCodec() {
    }

    public static byte[] encode(VersionVector context) {
        byte[] out = new byte[1 + RecordCodec.contextSize(context) + 4];
        out[0] = RecordCodec.FORMAT_VERSION;
        int end = RecordCodec.writeContext(context, out, 1);
        Bytes.putInt(out, end, RecordCodec.crc(out, 0, end));
        return out;
    }

    public static VersionVector decode(byte[] framed) {
        ByteReader in = RecordCodec.checkFrame(framed, "context");
        VersionVector v = RecordCodec.readContext(in);
        if (in.remaining() != 4) {
            throw new CorruptDataException("context has " + (in.remaining() - 4) + " unexpected trailing bytes");
        }
        return v;
    }
}
