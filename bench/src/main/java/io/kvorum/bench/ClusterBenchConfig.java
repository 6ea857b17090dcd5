package io.kvorum.bench;

import io.kvorum.core.Checks;
import io.kvorum.core.Consistency;
import io.kvorum.core.Durations;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import io.kvorum.storage.RecordLimits;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One cluster benchmark run's parameters, validated where they enter: a bad value is rejected
 * with the option's name, the value and what was expected, before anything connects.
 *
 * <p>Every option is bounded, so a typo cannot start a run that exhausts the client's heap or
 * never ends: up to {@value #MAX_THREADS} threads, {@value #MAX_KEYS} keys (the benchmark keeps
 * one context per key), values up to Kvorum's {@code storage.max_value_bytes}, runs of at most a
 * day, request timeouts of at most {@value #MAX_TIMEOUT_MS} ms.
 *
 * <p>The run is measured either for {@code duration} or for {@code operations}, exactly one of
 * them: the other is null or 0.
 *
 * @param n replicas per request, or 0 for the cluster's replication factor
 * @param duration how long to measure, or null when {@code operations} says how much
 * @param operations how many operations to measure, or 0 when {@code duration} says how long
 * @param warmup how long the workload runs before measuring starts; zero for none
 * @param timeout each request's own deadline, as the client and the coordinator enforce it
 * @param load whether every key is written once before the warmup, so reads find their key
 */
record ClusterBenchConfig(
        List<String> hosts,
        int threads,
        int keyCount,
        int valueBytes,
        int readPercent,
        Consistency r,
        Consistency w,
        int n,
        boolean durable,
        Duration duration,
        long operations,
        Duration warmup,
        Duration timeout,
        boolean load,
        long seed) {

    static final int MAX_THREADS = 1024;
    static final int MAX_KEYS = 10_000_000;
    static final long MAX_OPERATIONS = 1_000_000_000_000L;
    static final Duration MAX_DURATION = Duration.ofDays(1);
    static final Duration MAX_WARMUP = Duration.ofHours(1);
    static final long MAX_TIMEOUT_MS = 600_000;
    /** Heap per key for the context the benchmark keeps: a generous bound for a few-actor version vector. */
    static final long CONTEXT_HEAP_BYTES_PER_KEY = 128;

    ClusterBenchConfig {
        Checks.require(hosts != null && !hosts.isEmpty() && hosts.stream().noneMatch(h -> h == null || h.isBlank()),
                "--hosts", hosts, "a comma-separated list of host:port, none empty");
        hosts = List.copyOf(hosts);
        Checks.require(threads > 0 && threads <= MAX_THREADS, "--threads", threads, "1 to " + MAX_THREADS);
        Checks.require(keyCount > 0 && keyCount <= MAX_KEYS, "--keys", keyCount, "1 to " + MAX_KEYS);
        long maxValueBytes = RecordLimits.MAX_VALUE_BYTES.defaultValue();
        Checks.require(valueBytes > 0 && valueBytes <= maxValueBytes, "--value-bytes", valueBytes,
                "1 to " + maxValueBytes + " (" + RecordLimits.MAX_VALUE_BYTES + "; Kvorum refuses empty values)");
        Checks.require(readPercent >= 0 && readPercent <= 100, "--read-percent", readPercent, "0 to 100");
        Objects.requireNonNull(r, "r");
        Objects.requireNonNull(w, "w");
        Checks.require(n >= 0, "--n", n, ">= 1, or unset for the replication factor");
        if (n > 0) {
            // QUORUM and ALL always fit n; a number may not. n against the replication factor is
            // checked once connected, when the cluster has said what its factor is.
            Checks.require(r.required(n) <= n, "--r", r, "at most --n = " + n + " replicas");
            Checks.require(w.required(n) <= n, "--w", w, "at most --n = " + n + " replicas");
        }
        if (duration != null) {
            Checks.require(operations == 0, "--duration and --ops", "both given", "exactly one of them");
            Checks.require(!duration.isNegative() && !duration.isZero() && duration.compareTo(MAX_DURATION) <= 0,
                    "--duration", Durations.format(duration), "above 0 and at most " + Durations.format(MAX_DURATION));
        } else {
            Checks.require(operations > 0 && operations <= MAX_OPERATIONS, "--ops", operations,
                    "1 to " + MAX_OPERATIONS);
        }
        Objects.requireNonNull(warmup, "warmup");
        Checks.require(!warmup.isNegative() && warmup.compareTo(MAX_WARMUP) <= 0, "--warmup",
                Durations.format(warmup), "0 to " + Durations.format(MAX_WARMUP));
        Objects.requireNonNull(timeout, "timeout");
        Checks.require(timeout.toMillis() > 0 && timeout.toMillis() <= MAX_TIMEOUT_MS, "--timeout",
                Durations.format(timeout), "1ms to " + Durations.format(Duration.ofMillis(MAX_TIMEOUT_MS)));
    }

    boolean byDuration() {
        return duration != null;
    }

    int writePercent() {
        return 100 - readPercent;
    }

    ReadOptions readOptions() {
        ReadOptions options = ReadOptions.quorum().r(r).timeout(timeout);
        return n > 0 ? options.n(n) : options;
    }

    WriteOptions writeOptions() {
        WriteOptions options = WriteOptions.quorum().w(w).timeout(timeout).durable(durable);
        return n > 0 ? options.n(n) : options;
    }

    /** Heap for the per-key contexts the run keeps (see {@link ClusterRunner}). */
    long contextHeapBytes() {
        return (long) keyCount * CONTEXT_HEAP_BYTES_PER_KEY;
    }

    /** The key with index {@code index}, as the run names it. */
    static String keyName(int index) {
        return "key-" + index;
    }
}
