package io.kvorum.core;

/**
 * A range of the ring, {@code (start, end]}: exclusive start, inclusive end, as the ring's vnodes
 * own ranges. It wraps past {@link Token#MAX} when {@code end <= start}; {@code start == end} is
 * the whole ring.
 */
public record TokenRange(long start, long end) {

    private static final TokenRange FULL = new TokenRange(Token.MIN, Token.MIN);

    /** Every token. */
    public static TokenRange full() {
        return FULL;
    }

    /** The range {@code (start, end]}, wrapping when {@code end <= start}. */
    public static TokenRange of(long start, long end) {
        return new TokenRange(start, end);
    }

    public boolean isFull() {
        return start == end;
    }

    /** True when the range crosses the ring's origin (and so is two runs in storage order). */
    public boolean wraps() {
        return end <= start;
    }

    public boolean contains(long token) {
        if (isFull()) {
            return true;
        }
        if (start < end) {
            return token > start && token <= end;
        }
        return token > start || token <= end;
    }

    @Override
    public String toString() {
        return "(" + start + ", " + end + "]";
    }
}
