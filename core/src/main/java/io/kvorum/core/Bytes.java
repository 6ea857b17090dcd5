package io.kvorum.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Writing fixed-width little-endian integers and LEB128 varints into byte arrays, the primitives
 * of every Kvorum encoding. Reading is {@link ByteReader}, which bounds-checks untrusted input.
 */
public final class Bytes {
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    public static int putLong(byte[] dst, int off, long v) {
        LONG_LE.set(dst, off, v);
        return off + 8;
    }

    public static int putInt(byte[] dst, int off, int v) {
        INT_LE.set(dst, off, v);
        return off + 4;
    }

    public static long getLong(byte[] src, int off) {
        return (long) LONG_LE.get(src, off);
    }

    public static int getInt(byte[] src, int off) {
        return (int) INT_LE.get(src, off);
    }

    /** Bytes taken by {@code v} as an unsigned LEB128 varint: 1 to 10. */
    public static int varLongSize(long v) {
        int bits = 64 - Long.numberOfLeadingZeros(v | 1);
        return (bits + 6) / 7;
    }

    /** Writes {@code v} as an unsigned LEB128 varint; returns the offset after it. */
    public static int putVarLong(byte[] dst, int off, long v) {
        while ((v & ~0x7FL) != 0) {
            dst[off++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        dst[off++] = (byte) v;
        return off;
    }
}
