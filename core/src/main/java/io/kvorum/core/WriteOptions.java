package io.kvorum.core;

import java.time.Duration;

/**
 * The consistency a write asks for: how many replicas to write ({@code n}), how many must
 * acknowledge ({@code w}), whether an acknowledgement waits for the commit-log fsync
 * ({@code durable}), whether nodes outside the key's replicas may stand in for down ones
 * ({@code sloppy}), and how long to wait. Immutable and fluent:
 * {@code WriteOptions.quorum().durable().sloppy(true)}.
 *
 * <p><b>Sloppy writes.</b> A sloppy write's acknowledgements may come from fallbacks, nodes that
 * hold it as a hint for a down replica and hand it over when the replica returns. So a sloppy
 * W=QUORUM (even W=ALL) write succeeds while replicas are down, but it may not be on W of the key's
 * own replicas yet: a QUORUM read can miss it until the hints are delivered. A strict write counts
 * only the key's replicas. Unset, the node's {@code request.sloppy_writes} decides.
 */
public final class WriteOptions {
    private static final WriteOptions QUORUM =
            new WriteOptions(0, Consistency.QUORUM, ReadOptions.DEFAULT_TIMEOUT_MS, false, null);

    private final int n;
    private final Consistency w;
    private final long timeoutMs;
    private final boolean durable;
    /** Null: the coordinating node's default. */
    private final Boolean sloppy;

    private WriteOptions(int n, Consistency w, long timeoutMs, boolean durable, Boolean sloppy) {
        Checks.require(n >= 0, "n", n, ">= 1, or 0 for the replication factor");
        Checks.require(timeoutMs > 0, "timeout", timeoutMs + " ms", "> 0");
        this.n = n;
        this.w = w;
        this.timeoutMs = timeoutMs;
        this.durable = durable;
        this.sloppy = sloppy;
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
        return new WriteOptions(n, consistency, timeoutMs, durable, sloppy);
    }

    public WriteOptions n(int replicas) {
        Checks.require(replicas >= 1, "n", replicas, ">= 1");
        return new WriteOptions(replicas, w, timeoutMs, durable, sloppy);
    }

    public WriteOptions timeout(Duration timeout) {
        return new WriteOptions(n, w, timeout.toMillis(), durable, sloppy);
    }

    /** Acknowledge only once the write is fsynced in the commit log of each acknowledging replica. */
    public WriteOptions durable() {
        return new WriteOptions(n, w, timeoutMs, true, sloppy);
    }

    public WriteOptions durable(boolean fsync) {
        return new WriteOptions(n, w, timeoutMs, fsync, sloppy);
    }


    /** A sloppy write when {@code true}, a strict one when {@code false} (see the class comment). */
    public WriteOptions sloppy(boolean allowFallbacks) {
        return new WriteOptions(n, w, timeoutMs, durable, allowFallbacks);
    }

    /** Leaves sloppiness to the coordinating node's default. */
    public WriteOptions sloppyByNodeDefault() {
        return new WriteOptions(n, w, timeoutMs, durable, null);
    }

    /** Whether the write is sloppy, or null when the node's default decides. */
    public Boolean sloppy() {
        return sloppy;
    }

    /** Whether the write is sloppy on a node whose default is {@code nodeDefault}. */
    public boolean isSloppy(boolean nodeDefault) {
        return sloppy == null ? nodeDefault : sloppy;
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
                + (sloppy == null ? "" : sloppy ? " sloppy" : " strict");
    }
}
