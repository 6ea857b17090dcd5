package io.kvorum.core;

import java.time.Duration;

/**
 * The consistency a read asks for: how many replicas to ask ({@code n}), how many must answer
 * ({@code r}), and how long to wait. Immutable; each setter returns a copy, so options read as
 * {@code ReadOptions.r(2).n(3).timeout(Duration.ofMillis(500))}.
 */
public final class ReadOptions {
    /** Used when a request does not say: long enough for a healthy cluster, short enough to notice a sick one. */
    public static final long DEFAULT_TIMEOUT_MS = 2000;
    private static final ReadOptions QUORUM = new ReadOptions(0, Consistency.QUORUM, DEFAULT_TIMEOUT_MS);

    private final int n;
    private final Consistency r;
    private final long timeoutMs;

    private ReadOptions(int n, Consistency r, long timeoutMs) {
        Checks.require(n >= 0, "n", n, ">= 1, or 0 for the replication factor");
        Checks.require(timeoutMs > 0, "timeout", timeoutMs + " ms", "> 0");
        this.n = n;
        this.r = r;
        this.timeoutMs = timeoutMs;
    }

    /** R = QUORUM of the replication factor. */
    public static ReadOptions quorum() {
        return QUORUM;
    }

    public static ReadOptions one() {
        return QUORUM.r(Consistency.ONE);
    }

    public static ReadOptions all() {
        return QUORUM.r(Consistency.ALL);
    }

    public static ReadOptions r(int replicas) {
        return QUORUM.r(Consistency.of(replicas));
    }

    public ReadOptions r(Consistency consistency) {
        return new ReadOptions(n, consistency, timeoutMs);
    }

    /** Ask only the first {@code replicas} replicas of the key (at most the replication factor). */
    public ReadOptions n(int replicas) {
        Checks.require(replicas >= 1, "n", replicas, ">= 1");
        return new ReadOptions(replicas, r, timeoutMs);
    }

    public ReadOptions timeout(Duration timeout) {
        return new ReadOptions(n, r, timeout.toMillis());
    }


    /** The n asked for, or 0 for the replication factor. */
    public int n() {
        return n;
    }

    public Consistency r() {
        return r;
    }

    public long timeoutMs() {
        return timeoutMs;
    }


    /**
     * The n this read uses under replication factor {@code rf}, after checking the combination.
     *
     * @throws InvalidRequestException when n > rf or r > n
     */
    public int effectiveN(int rf) {
        return Quorums.check("read", n, r, "r", rf);
    }

    @Override
    public String toString() {
        return "r=" + r + " n=" + (n == 0 ? "rf" : n) + " timeout=" + timeoutMs + "ms";
    }
}
