package io.kvorum.storage;

import io.kvorum.core.Checks;
import io.kvorum.core.Key;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * A set of ring tokens given as any number of {@link TokenRange}s, which may overlap, touch or
 * wrap: what {@link ReplicaStore#retainOnly} keeps.
 *
 * <p>The ranges are normalised once into sorted, disjoint, non-adjacent runs of tokens
 * {@code [first, last]} between {@code Token.MIN + 1} and {@link Token#MAX} (no key has the
 * token {@link Token#MIN}). Membership is then a binary search, and because a run of the storage
 * order is a run of tokens, a file whose keys span tokens {@code [a, b]} can be classified as wholly
 * inside, wholly outside or mixed with two searches, without reading it.
 *
 * <p>Immutable; a pure function of its ranges.
 */
public final class TokenRangeSet {
    private static final long FIRST_TOKEN = Token.MIN + 1;
    private static final TokenRangeSet EMPTY = new TokenRangeSet(new long[0], new long[0]);
    /** Runs that {@link #toString} shows, so that a log line stays a line. */
    private static final int PRINTED_RUNS = 8;

    /** Inclusive bounds of each run, ascending; {@code lasts[i] + 1 < firsts[i + 1]}. */
    private final long[] firsts;
    private final long[] lasts;

    private TokenRangeSet(long[] firsts, long[] lasts) {
        this.firsts = firsts;
        this.lasts = lasts;
    }

    /**
     * The tokens in at least one of {@code ranges}.
     *
     * @throws IllegalArgumentException when {@code ranges} or one of its elements is null
     */
    public static TokenRangeSet of(Collection<TokenRange> ranges) {
        Checks.require(ranges != null, "ranges", null, "a collection of token ranges");
        List<long[]> runs = new ArrayList<>(ranges.size() + 1);
        for (TokenRange r : ranges) {
            Checks.require(r != null, "ranges", ranges, "no null range");
            if (r.isFull()) {
                runs.add(new long[] {FIRST_TOKEN, Token.MAX});
            } else if (!r.wraps()) {
                runs.add(new long[] {r.start() + 1, r.end()});
            } else {
                // (start, MAX] then (MIN, end]; either is empty at the ring's ends.
                if (r.start() != Token.MAX) {
                    runs.add(new long[] {r.start() + 1, Token.MAX});
                }
                if (r.end() != Token.MIN) {
                    runs.add(new long[] {FIRST_TOKEN, r.end()});
                }
            }
        }
        if (runs.isEmpty()) {
            return EMPTY;
        }
        runs.sort(Comparator.comparingLong(run -> run[0]));
        long[] firsts = new long[runs.size()];
        long[] lasts = new long[runs.size()];
        int n = 0;
        for (long[] run : runs) {
            if (n > 0 && (lasts[n - 1] == Token.MAX || run[0] <= lasts[n - 1] + 1)) {
                lasts[n - 1] = Math.max(lasts[n - 1], run[1]);
            } else {
                firsts[n] = run[0];
                lasts[n] = run[1];
                n++;
            }
        }
        return new TokenRangeSet(Arrays.copyOf(firsts, n), Arrays.copyOf(lasts, n));
    }

    public boolean isEmpty() {
        return firsts.length == 0;
    }

    /** True when the set holds every token of the ring. */
    public boolean isFull() {
        return firsts.length == 1 && firsts[0] == FIRST_TOKEN && lasts[0] == Token.MAX;
    }

    public boolean contains(long token) {
        int i = runAtOrBefore(token);
        return i >= 0 && token <= lasts[i];
    }

    /** True when every token in {@code [first, last]} is in the set ({@code first <= last}). */
    public boolean containsAll(long first, long last) {
        int i = runAtOrBefore(first);
        return i >= 0 && last <= lasts[i];
    }

    /** True when some token in {@code [first, last]} is in the set ({@code first <= last}). */
    public boolean intersects(long first, long last) {
        int i = runAtOrBefore(last);
        return i >= 0 && lasts[i] >= first;
    }

    /** Every token of the ring that is not in this set. */
    public TokenRangeSet complement() {
        long[] f = new long[firsts.length + 1];
        long[] l = new long[firsts.length + 1];
        int n = 0;
        long next = FIRST_TOKEN;
        boolean more = true;
        for (int i = 0; i < firsts.length; i++) {
            if (firsts[i] > next) {
                f[n] = next;
                l[n] = firsts[i] - 1;
                n++;
            }
            if (lasts[i] == Token.MAX) {
                more = false;
                break;
            }
            next = lasts[i] + 1;
        }
        if (more) {
            f[n] = next;
            l[n] = Token.MAX;
            n++;
        }
        return new TokenRangeSet(Arrays.copyOf(f, n), Arrays.copyOf(l, n));
    }

    /** The set as runs of the storage order, ascending: what sorted maps and files are sliced by. */
    public List<KeyInterval> intervals() {
        List<KeyInterval> out = new ArrayList<>(firsts.length);
        for (int i = 0; i < firsts.length; i++) {
            Key from = firsts[i] == FIRST_TOKEN ? null : Key.lowerBound(firsts[i]);
            Key to = lasts[i] == Token.MAX ? null : Key.lowerBound(lasts[i] + 1);
            out.add(new KeyInterval(from, to));
        }
        return out;
    }

    /** The index of the last run starting at or before {@code token}, or -1. */
    private int runAtOrBefore(long token) {
        int i = Arrays.binarySearch(firsts, token);
        return i >= 0 ? i : -i - 2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenRangeSet s && Arrays.equals(firsts, s.firsts) && Arrays.equals(lasts, s.lasts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(firsts) + Arrays.hashCode(lasts);
    }

    /**
     * The runs as token ranges, {@code (first - 1, last]}, as a ring prints them; past
     * {@link #PRINTED_RUNS} (a node with many virtual nodes keeps hundreds) only their number.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < Math.min(firsts.length, PRINTED_RUNS); i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append('(').append(firsts[i] - 1).append(", ").append(lasts[i]).append(']');
        }
        if (firsts.length > PRINTED_RUNS) {
            b.append(", ... ").append(firsts.length - PRINTED_RUNS).append(" more");
        }
        return b.append(']').toString();
    }
}
