package io.kvorum.bench;

/**
 * What a cluster benchmark run measured: the load (null when {@code --load} was off), the warmup
 * (counted, not measured) and the measured window with its length.
 *
 * @param loadNanos wall time of the load, from the release of the threads to the last write's end
 * @param measuredNanos from the first measured send to the last measured completion, at least 1
 */
record ClusterResult(OpStats load, long loadNanos, OpStats warmup, OpStats measured, long measuredNanos) {

    ClusterResult {
        if (measuredNanos <= 0 || loadNanos < 0) {
            throw new IllegalArgumentException("measuredNanos: " + measuredNanos + ", loadNanos: " + loadNanos
                    + " (expected: measuredNanos > 0, loadNanos >= 0)");
        }
    }

    /** Successful measured operations per second. */
    double opsPerSecond() {
        return (measured.reads() + measured.writes()) * 1e9 / measuredNanos;
    }
}
