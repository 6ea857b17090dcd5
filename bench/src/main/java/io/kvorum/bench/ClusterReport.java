package io.kvorum.bench;

import io.kvorum.core.Consistency;
import io.kvorum.core.Durations;
import io.kvorum.core.protocol.RingResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Turns a cluster benchmark run into the text a person reads: a header with every condition a
 * number depends on (the cluster as it said it was, the mix, the quorums, durability, the run's
 * length and how latency is measured), so a figure is never quoted without them; then throughput,
 * latency percentiles per operation, what the reads found, and the failures by kind.
 *
 * <p>Latency is printed in milliseconds with microsecond resolution: cluster requests take
 * hundreds of microseconds to seconds, and three decimals keep both ends readable.
 */
final class ClusterReport {
    /** The percentiles printed for each operation, with their column names. */
    private static final double[] PERCENTILES = {50, 95, 99, 99.9};
    private static final String[] PERCENTILE_LABELS = {"p50 ms", "p95 ms", "p99 ms", "p99.9 ms"};

    private ClusterReport() {
    }

    static String header(ClusterBenchConfig config, RingResponse ring) {
        int rf = ring.replicationFactor();
        int n = config.n() > 0 ? config.n() : rf;
        long up = ring.members().stream().filter(RingResponse.Member::up).count();
        Runtime runtime = Runtime.getRuntime();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Kvorum cluster benchmark: %d%% reads, %d%% writes, %d threads%n",
                config.readPercent(), config.writePercent(), config.threads()));
        line(out, "hosts", String.join(", ", config.hosts()) + "; the ring has " + ring.members().size()
                + " nodes (" + up + " up), replication factor " + rf);
        line(out, "keys", String.format(Locale.ROOT, "%,d (%s .. %s); each operation's key and kind drawn uniformly"
                        + " at random", config.keyCount(), ClusterBenchConfig.keyName(0),
                ClusterBenchConfig.keyName(config.keyCount() - 1)));
        line(out, "values", String.format(Locale.ROOT, "%,d B of random bytes generated once; each write changes"
                + " the first %d", config.valueBytes(), Math.min(Long.BYTES, config.valueBytes())));
        line(out, "quorums", "r=" + quorum(config.r(), n) + ", w=" + quorum(config.w(), n) + ", n=" + n
                + (config.n() > 0 ? "" : " (the replication factor)"));
        line(out, "writes", (config.durable() ? "durable: acknowledged once fsynced in the commit log of each"
                + " acknowledging replica" : "not durable: acknowledged before the commit-log fsync")
                + "; each carries the context of its key's last completed put, so only overlapping writes"
                + " leave siblings");
        line(out, "timeout", Durations.format(config.timeout()) + " per request");
        line(out, "load", config.load()
                ? "every key read and written back once with the read's context before the warmup; a read"
                        + " that then finds nothing is an error"
                : "off: keys may not exist, and reads that find nothing are counted, not errors");
        line(out, "run", String.format(Locale.ROOT, "closed loop, one request in flight per thread; %s warmup,"
                        + " not measured; then %s", Durations.format(config.warmup()),
                config.byDuration() ? Durations.format(config.duration()) + " measured"
                        : String.format(Locale.ROOT, "%,d operations measured", config.operations())));
        line(out, "latency", "from handing a request to the client to its future's completion, successful"
                + " requests only");
        line(out, "seed", String.valueOf(config.seed()));
        line(out, "client", String.format(Locale.ROOT, "Java %s, %d cpus, max heap %,d MiB",
                System.getProperty("java.version"), runtime.availableProcessors(), runtime.maxMemory() >> 20));
        return out.toString();
    }

    static String results(ClusterResult result) {
        OpStats m = result.measured();
        long ok = m.reads() + m.writes();
        long failed = m.errors().total();
        double seconds = result.measuredNanos() / 1e9;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nResults: %s ops/s over %.1f s measured (%,d successful operations;"
                + " %,d failed, not counted)%n", ReportText.whole(result.opsPerSecond()), seconds, ok, failed));

        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("op", "ops/s", "count"));
        head.addAll(List.of(PERCENTILE_LABELS));
        head.add("max ms");
        rows.add(head);
        Histogram all = new Histogram(BenchRunner.LATENCY_DIGITS);
        all.add(m.readLatencyNanos());
        all.add(m.writeLatencyNanos());
        rows.add(latencyRow("read", m.readLatencyNanos(), result.measuredNanos()));
        rows.add(latencyRow("write", m.writeLatencyNanos(), result.measuredNanos()));
        rows.add(latencyRow("all", all, result.measuredNanos()));
        out.append(ReportText.table(rows, 1));

        out.append('\n');
        line(out, "reads", String.format(Locale.ROOT, "%,d found a value, %,d found none, %,d returned siblings"
                + " (values written concurrently)", m.reads() - m.readsNotFound(), m.readsNotFound(),
                m.readsWithSiblings()));
        line(out, "errors", failed == 0 ? "none" : String.format(Locale.ROOT, "%,d (%.2f%% of operations sent)",
                failed, 100.0 * failed / (ok + failed)));
        out.append(errorTable(m.errors()));
        OpStats load = result.load();
        if (load != null) {
            Histogram puts = load.writeLatencyNanos();
            line(out, "load", String.format(Locale.ROOT, "%,d keys read and written back in %.1f s (%s keys/s),"
                            + " put p50 %s ms, p99 %s ms; failed requests: %,d", load.writes(),
                    result.loadNanos() / 1e9, ReportText.whole(load.writes() * 1e9 / Math.max(1, result.loadNanos())),
                    percentile(puts, 50), percentile(puts, 99), load.errors().total()));
            out.append(errorTable(load.errors()));
        }
        OpStats w = result.warmup();
        line(out, "warmup", String.format(Locale.ROOT, "%,d operations, %,d failed", w.reads() + w.writes(),
                w.errors().total()));
        out.append(errorTable(w.errors()));
        return out.toString();
    }

    /** {@code QUORUM (2 of 3)}: the level and what it requires of n replicas. */
    static String quorum(Consistency c, int n) {
        return c + " (" + c.required(n) + " of " + n + ")";
    }

    /** One row per kind of failure, the most frequent first, each with its first message; empty for none. */
    static String errorTable(ErrorTally errors) {
        List<ErrorTally.Kind> kinds = errors.kinds();
        if (kinds.isEmpty()) {
            return "";
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("kind", "reads", "writes"));
        for (ErrorTally.Kind k : kinds) {
            rows.add(List.of(k.name(), String.format(Locale.ROOT, "%,d", k.reads()),
                    String.format(Locale.ROOT, "%,d", k.writes())));
        }
        List<String> lines = ReportText.table(rows, 1).lines().toList();
        int width = lines.stream().mapToInt(String::length).max().orElse(0);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            String message = i == 0 ? "first message" : kinds.get(i - 1).firstMessage();
            out.append("    ").append(l).append(" ".repeat(width - l.length())).append("  ").append(message)
                    .append('\n');
        }
        return out.toString();
    }

    private static List<String> latencyRow(String op, Histogram latencyNanos, long measuredNanos) {
        List<String> row = new ArrayList<>();
        row.add(op);
        long count = latencyNanos.getTotalCount();
        row.add(ReportText.whole(count * 1e9 / measuredNanos));
        row.add(String.format(Locale.ROOT, "%,d", count));
        for (double p : PERCENTILES) {
            row.add(percentile(latencyNanos, p));
        }
        row.add(count == 0 ? "-" : ReportText.millis(latencyNanos.getMaxValue()));
        return row;
    }

    private static String percentile(Histogram latencyNanos, double percentile) {
        return latencyNanos.getTotalCount() == 0 ? "-" : ReportText.millis(latencyNanos.getValueAtPercentile(percentile));
    }

    private static void line(StringBuilder out, String label, String text) {
        out.append(String.format(Locale.ROOT, "  %-9s %s%n", label, text));
    }
}
