package io.kvorum.bench;

import org.HdrHistogram.Histogram;

/**
 * What one phase of the cluster benchmark saw: the latency of every successful read and write,
 * the failures by kind, and what the reads found.
 *
 * <p>Only successful operations have their latency recorded: a timed-out request would otherwise
 * sit in the percentiles at exactly the timeout, and a refused one at almost nothing. Failures are
 * counted apart, each kind with its first message. Not thread-safe: each worker thread keeps its
 * own and they are merged at the end.
 */
final class OpStats {
    private final Histogram readLatencyNanos = new Histogram(BenchRunner.LATENCY_DIGITS);
    private final Histogram writeLatencyNanos = new Histogram(BenchRunner.LATENCY_DIGITS);
    private final ErrorTally errors = new ErrorTally();
    private long readsWithSiblings;
    private long readsNotFound;

    void read(long latencyNanos, boolean found, boolean siblings) {
        readLatencyNanos.recordValue(Math.max(0, latencyNanos));
        if (!found) {
            readsNotFound++;
        }
        if (siblings) {
            readsWithSiblings++;
        }
    }

    void write(long latencyNanos) {
        writeLatencyNanos.recordValue(Math.max(0, latencyNanos));
    }

    void error(String kind, boolean read, String message) {
        errors.record(kind, read, message);
    }

    void add(OpStats other) {
        readLatencyNanos.add(other.readLatencyNanos);
        writeLatencyNanos.add(other.writeLatencyNanos);
        errors.add(other.errors);
        readsWithSiblings += other.readsWithSiblings;
        readsNotFound += other.readsNotFound;
    }

    /** Latency of each successful read, in nanoseconds (shared; do not modify). */
    Histogram readLatencyNanos() {
        return readLatencyNanos;
    }

    /** Latency of each successful write, in nanoseconds (shared; do not modify). */
    Histogram writeLatencyNanos() {
        return writeLatencyNanos;
    }

    long reads() {
        return readLatencyNanos.getTotalCount();
    }

    long writes() {
        return writeLatencyNanos.getTotalCount();
    }

    /** Successful reads that found more than one value, written concurrently. */
    long readsWithSiblings() {
        return readsWithSiblings;
    }

    /** Successful reads that found no value (not an error when the keys were not loaded). */
    long readsNotFound() {
        return readsNotFound;
    }

    ErrorTally errors() {
        return errors;
    }
}
