package io.kvorum.storage;

import io.kvorum.core.Key;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.List;

/**
 * A contiguous run of the storage order, {@code [from, to)} in {@link Key} order, where a null
 * bound means the start or end of the ring. A {@link TokenRange} is one interval, or two when it
 * wraps; every store and file slices its sorted data with these.
 */
public record KeyInterval(Key fromInclusive, Key toExclusive) {

    /** The intervals of {@code range}, in the order the ring visits them from its start. */
    public static List<KeyInterval> of(TokenRange range) {
        if (range.isFull()) {
            return List.of(new KeyInterval(null, null));
        }
        if (!range.wraps()) {
            return List.of(afterToken(range.start(), range.end()));
        }
        // (start, MAX] then (MIN, end]
        KeyInterval tail = range.start() == Token.MAX ? null : afterToken(range.start(), Token.MAX);
        KeyInterval head = afterToken(Token.MIN, range.end());
        return tail == null ? List.of(head) : List.of(tail, head);
    }

    /** Keys with {@code start < token <= end}, for {@code start < end}. */
    private static KeyInterval afterToken(long start, long end) {
        Key from = start == Token.MIN ? null : Key.lowerBound(start + 1);
        Key to = end == Token.MAX ? null : Key.lowerBound(end + 1);
        return new KeyInterval(from, to);
    }

    /** True when some key of {@code [first, last]} (in storage order) may lie in this interval. */
    public boolean overlaps(Key first, Key last) {
        return (fromInclusive == null || fromInclusive.compareTo(last) <= 0)
                && (toExclusive == null || first.compareTo(toExclusive) < 0);
    }

    public boolean contains(Key key) {
        return (fromInclusive == null || key.compareTo(fromInclusive) >= 0)
                && (toExclusive == null || key.compareTo(toExclusive) < 0);
    }
}
