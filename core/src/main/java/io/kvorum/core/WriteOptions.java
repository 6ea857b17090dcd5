package io.kvorum.core;

import java.time.Duration;

/**
 * The consistency a write asks for: how many replicas to write ({@code n}), how many must
 * acknowledge ({@code w}), whether an acknowledgement waits for the commit-log fsync
 * ({@code durable}), and how long to wait. Immutable and fluent:
 * {@code WriteOptions.quorum().durable()}.
 */
public final class WriteOptions {
    private static final WriteOptions QUORUM =
            new WriteOptions(0, Consistency.QUORUM, ReadOptions.DEFAULT_TIMEOUT_MS, false);

    private final int n;
    private final Consistency w;
    private final long timeoutMs;
    private final boolean durable;

    private WriteOptions(int n, Consistency w, long timeoutMs, boolean durable) {
        Checks.require(n >= 0, "n", n, ">= 1, or 0 for the replication factor");
        Checks.require(timeoutMs > 0, "timeout", timeoutMs + " ms", "> 0");
        this.n = n;
        this.w = w;
        this.timeoutMs = timeoutMs;
        this.durable = durable;
    }

    public static WriteOptions quorum() {
        return QUORUM;
    }

    public static WriteOptions one() {
        return QUORUM.w(Consistency.ONE);
    }

    public static WriteOptions all() {
        return QUORUM.w(Consistency.ALL);
    }

    public static WriteOptions w(int replicas) {
        return QUORUM.w(Consistency.of(replicas));
    }

    public WriteOptions w(Consistency consistency) {
        return new WriteOptions(n, consistency, timeoutMs, durable);
    }

    public WriteOptions n(int replicas) {
        Checks.require(replicas >= 1, "n", replicas, ">= 1");
        return new WriteOptions(replicas, w, timeoutMs, durable);
    }

    public WriteOptions timeout(Duration timeout) {
        return new WriteOptions(n, w, timeout.toMillis(), durable);
    }

    /** Acknowledge only once the write is fsynced in the commit log of each acknowledging replica. */
    public WriteOptions durable() {
        return new WriteOptions(n, w, timeoutMs, true);
    }

    public WriteOptions durable(boolean fsync) {
        return new WriteOptions(n, w, timeoutMs, fsync);
    }


    public int n() {
        return n;
    }

    public Consistency w() {
        return w;
    }

    public long timeoutMs() {
        return timeoutMs;
    }

    public boolean isDurable() {
        return durable;
    }


    /**
     * The n this write uses under replication factor {@code rf}, after checking the combination.
     *
     * @throws InvalidRequestException when n > rf or w > n
     */
    public int effectiveN(int rf) {
        return Quorums.check("write", n, w, "w", rf);
    }

    @Override
    public String toString() {
        return "w=" + w + " n=" + (n == 0 ? "rf" : n) + " timeout=" + timeoutMs + "ms" + (durable ? " durable" : "")
               ;
    }
}
