package io.kvorum.core;

import java.util.Locale;

/**
 * How many of a request's n replicas must answer: ONE, QUORUM (a majority), ALL, or a number.
 * With reads at R and writes at W, R + W > N makes every read see the latest acknowledged write,
 * as long as the replica set does not change (sloppy quorums trade that away for availability).
 */
public final class Consistency {
    private enum Kind { ONE, QUORUM, ALL, COUNT }

    public static final Consistency ONE = new Consistency(Kind.ONE, 1);
    public static final Consistency QUORUM = new Consistency(Kind.QUORUM, 0);
    public static final Consistency ALL = new Consistency(Kind.ALL, 0);

    private final Kind kind;
    private final int count;

    private Consistency(Kind kind, int count) {
        this.kind = kind;
        this.count = count;
    }

    /** Exactly {@code count} replicas. */
    public static Consistency of(int count) {
        Checks.require(count >= 1, "replica count", count, ">= 1");
        return count == 1 ? ONE : new Consistency(Kind.COUNT, count);
    }

    /** Parses {@code one}, {@code quorum}, {@code all} (any case) or a positive number. */
    public static Consistency parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        switch (t) {
            case "ONE":
                return ONE;
            case "QUORUM":
                return QUORUM;
            case "ALL":
                return ALL;
            default:
                try {
                    return of(Integer.parseInt(t));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("consistency: '" + text
                            + "' (expected: one, quorum, all or a number >= 1)", e);
                }
        }
    }

    /** Replies needed out of {@code n} replicas. */
    public int required(int n) {
        return switch (kind) {
            case ONE -> 1;
            case QUORUM -> n / 2 + 1;
            case ALL -> n;
            case COUNT -> count;
        };
    }

    /** The fixed count, or 0 for QUORUM and ALL, which depend on n. */
    public int count() {
        return kind == Kind.COUNT || kind == Kind.ONE ? count : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Consistency c && c.kind == kind && c.count == count;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + count;
    }

    @Override
    public String toString() {
        return kind == Kind.COUNT ? Integer.toString(count) : kind.name();
    }
}
