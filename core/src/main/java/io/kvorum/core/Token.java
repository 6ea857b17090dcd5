package io.kvorum.core;

/**
 * Positions on the ring: signed 64-bit values ordered as longs, from {@link #MIN} (exclusive,
 * owned by nobody) to {@link #MAX}.
 *
 * <p>{@code Long.MIN_VALUE} is reserved as the ring's origin so that the range {@code (MIN, MAX]}
 * covers every key; a key whose hash is {@code MIN} is placed at {@code MAX} instead, the same
 * normalisation Cassandra applies.
 */
public final class Token {
    /** The ring's origin; no key has this token. */
    public static final long MIN = Long.MIN_VALUE;
    /** The largest token. */
    public static final long MAX = Long.MAX_VALUE;

    private Token() {
    }

    /** The token of a key's bytes. */
    public static long of(byte[] key, int offset, int length) {
        long h = Murmur3.hash64(key, offset, length);
        return h == MIN ? MAX : h;
    }
}
