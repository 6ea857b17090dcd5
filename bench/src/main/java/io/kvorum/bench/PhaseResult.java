package io.kvorum.bench;

import org.HdrHistogram.Histogram;

/**
 * One phase of one engine's round: how many operations, the wall time from the first to the last
 * (all threads), and each operation's latency in nanoseconds (null for the scan, one long operation).
 */
record PhaseResult(long operations, long elapsedNanos, Histogram latencyNanos) {

    PhaseResult {
        if (operations < 0 || elapsedNanos <= 0) {
            throw new IllegalArgumentException("operations: " + operations + ", elapsedNanos: " + elapsedNanos
                    + " (expected: operations >= 0, elapsedNanos > 0)");
        }
    }

    double opsPerSecond() {
        return operations * 1e9 / elapsedNanos;
    }
}
