package io.kvorum.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A key: opaque bytes, with its ring token computed once.
 *
 * <p>Keys order by token first and bytes (unsigned, lexicographic) second. That is the order of
 * every memtable and SSTable, so that a range of the ring is one contiguous scan for
 * anti-entropy and streaming.
 *
 * <p>Immutable: the bytes are copied on the way in and never handed out.
 */
public final class Key implements Comparable<Key> {
    private final byte[] bytes;
    private final long token;

    private static final byte[] NO_BYTES = new byte[0];

    private Key(byte[] bytes) {
        this.bytes = bytes;
        this.token = Token.of(bytes, 0, bytes.length);
    }

    private Key(long token) {
        this(NO_BYTES, token);
    }

    private Key(byte[] bytes, long token) {
        this.bytes = bytes;
        this.token = token;
    }

    /** A key holding a copy of {@code bytes}. */
    public static Key of(byte[] bytes) {
        return new Key(bytes.clone());
    }

    /** A key holding the UTF-8 bytes of {@code text}. */
    public static Key of(String text) {
        return new Key(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A key over {@code bytes} without copying; the caller gives up the array. For decoders that
     * have just allocated it.
     */
    static Key adopt(byte[] bytes) {
        return new Key(bytes);
    }

    /** As {@link #adopt}, with the token read from where it was stored beside the key under a checksum. */
    static Key adopt(byte[] bytes, long storedToken) {
        return new Key(bytes, storedToken);
    }

    /**
     * A search bound, not a key: it sorts after every key with a smaller token and no later than
     * any key with token {@code token}. Sorted maps and SSTable indexes are sliced by ring range
     * with it. Never store it.
     */
    public static Key lowerBound(long token) {
        return new Key(token);
    }

    public long token() {
        return token;
    }

    public int length() {
        return bytes.length;
    }

    /** A copy of the key's bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The key's bytes, for encoders in this package; must not be modified. */
    byte[] bytes() {
        return bytes;
    }

    /** Compares {@code (token, bytes)}, the storage order. */
    @Override
    public int compareTo(Key o) {
        int c = Long.compare(token, o.token);
        return c != 0 ? c : Arrays.compareUnsigned(bytes, o.bytes);
    }

    /** Compares this key with a key given as its token and bytes, without building a {@code Key}. */
    public int compareTo(long otherToken, byte[] other, int from, int to) {
        int c = Long.compare(token, otherToken);
        return c != 0 ? c : Arrays.compareUnsigned(bytes, 0, bytes.length, other, from, to);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && token == k.token && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(token);
    }

    /** The key as text when it is printable UTF-8, else as hex. */
    @Override
    public String toString() {
        for (byte b : bytes) {
            if (b < 0x20 || b == 0x7f) {
                return "0x" + Hex.encode(bytes);
            }
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
