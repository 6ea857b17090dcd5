package io.kvorum.bench;

import io.kvorum.storage.lsm.LsmOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * Turns a run's measurements into the text a person reads: a header that states the workload and
 * every fairness choice (so a number is never quoted without its conditions), the summary table,
 * and each round's raw numbers (so the noise behind a median can be seen).
 *
 * <p>Per engine and phase the summary shows the median rate over rounds and its spread,
 * {@code (max - min) / median}; latency percentiles pool every operation of every round. The ratio
 * column divides the first engine's median by the second's: with the default
 * {@code --engines kvorum,rocksdb}, above 1 means Kvorum is faster.
 */
final class BenchReport {
    private static final double MIB = 1024.0 * 1024.0;

    private BenchReport() {
    }

    static String header(BenchConfig config, String dirNote) {
        LsmOptions options = config.lsmOptions();
        List<String> names = config.engines().stream().map(EngineFactory::name).collect(Collectors.toList());
        StringBuilder order = new StringBuilder();
        for (int round = 1; round <= Math.min(config.rounds(), 2); round++) {
            order.append(round == 1 ? "" : ", then ").append(BenchRunner.order(config.engines(), round).stream()
                    .map(EngineFactory::name).collect(Collectors.joining(" ")));
        }
        String alternation = names.size() == 1 ? "one engine, nothing to alternate"
                : "engines alternating: " + order + (config.rounds() > 2 ? ", ..." : "");
        Runtime runtime = Runtime.getRuntime();
        StringBuilder out = new StringBuilder();
        out.append("Kvorum storage benchmark: ").append(String.join(" vs ", names)).append('\n');
        out.append(String.format(Locale.ROOT, "  workload  %,d keys of %d B written once each in random order, values of %d B;"
                        + " %,d uniformly random point reads of existing keys; one full scan%n",
                config.keyCount(), config.keyBytes(), config.valueBytes(), config.readCount()));
        out.append(String.format(Locale.ROOT, "  seed      %d: every engine and round gets the same keys, values and read"
                + " sequence%n", config.seed()));
        out.append(String.format(Locale.ROOT, "  rounds    %d (%s); median per engine and phase,"
                + " spread = (max - min) / median%n", config.rounds(), alternation));
        out.append(String.format(Locale.ROOT, "  threads   %d for writes and reads (disjoint slices), 1 for the scan%n",
                config.threads()));
        out.append(String.format(Locale.ROOT, "  dir       %s: a fresh directory per engine per round, deleted after%s%n",
                config.dir(), dirNote));
        out.append(String.format(Locale.ROOT, "  jvm       Java %s, max heap %,d MiB, %d cpus, one JVM for all engines;"
                        + " a full GC before each engine's run%n", System.getProperty("java.version"),
                runtime.maxMemory() / (1024 * 1024), runtime.availableProcessors()));
        out.append("  memory    memtable ").append(ByteSizes.of(config.memtableBytes())).append(" and block cache ")
                .append(ByteSizes.of(config.cacheBytes())).append(" for every engine\n");
        for (EngineFactory engine : config.engines()) {
            out.append(String.format(Locale.ROOT, "  %-9s %s%n", engine.name(), engine.describe(options)));
        }
        out.append("  checked   every read returns exactly the value written; the scan sees every key once;"
                + " a flush after the writes is timed apart from them\n");
        return out.toString();
    }

    static String results(BenchConfig config, List<EngineRound> rounds) {
        List<String> engines = config.engines().stream().map(EngineFactory::name).collect(Collectors.toList());
        StringBuilder out = new StringBuilder();
        out.append('\n').append(String.format(Locale.ROOT, "Results: median of %d round%s%n", config.rounds(),
                config.rounds() == 1 ? "" : "s"));

        List<String> head = new ArrayList<>(List.of("phase"));
        for (String engine : engines) {
            head.addAll(List.of(engine + " ops/s", "spread", "p50 us", "p99 us"));
        }
        boolean ratio = engines.size() >= 2;
        if (ratio) {
            head.add(engines.get(0) + "/" + engines.get(1));
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(head);
        for (Phase phase : Phase.values()) {
            List<String> row = new ArrayList<>(List.of(phase.label()));
            double[] medians = new double[engines.size()];
            for (int e = 0; e < engines.size(); e++) {
                double[] rates = of(rounds, engines.get(e)).stream()
                        .mapToDouble(r -> r.phase(phase).opsPerSecond()).toArray();
                medians[e] = median(rates);
                row.add(String.format(Locale.ROOT, "%,.0f", medians[e]));
                row.add(String.format(Locale.ROOT, "%.1f%%", 100 * spread(rates)));
                Histogram latency = pooledLatency(rounds, engines.get(e), phase);
                row.add(latency == null ? "-" : ReportText.micros(latency.getValueAtPercentile(50)));
                row.add(latency == null ? "-" : ReportText.micros(latency.getValueAtPercentile(99)));
            }
            if (ratio) {
                row.add(String.format(Locale.ROOT, "%.2f", medians[0] / medians[1]));
            }
            rows.add(row);
        }
        out.append(ReportText.table(rows, 1));
        out.append("  (scan: records per second; p50/p99: latency of one operation in microseconds, all rounds pooled)\n");

        List<List<String>> after = new ArrayList<>();
        List<String> afterHead = new ArrayList<>(List.of("after writes"));
        afterHead.addAll(engines);
        after.add(afterHead);
        List<String> flush = new ArrayList<>(List.of("flush ms"));
        List<String> disk = new ArrayList<>(List.of("disk MiB"));
        for (String engine : engines) {
            List<EngineRound> mine = of(rounds, engine);
            flush.add(String.format(Locale.ROOT, "%,.0f", median(mine.stream().mapToDouble(r -> r.flushNanos() / 1e6).toArray())));
            disk.add(String.format(Locale.ROOT, "%,.1f", median(mine.stream().mapToDouble(r -> r.diskBytes() / MIB).toArray())));
        }
        after.add(flush);
        after.add(disk);
        out.append('\n').append(ReportText.table(after, 1));

        List<List<String>> raw = new ArrayList<>();
        raw.add(List.of("round", "engine", "write ops/s", "read ops/s", "scan rec/s", "flush ms", "disk MiB"));
        for (EngineRound r : rounds) {
            raw.add(List.of(String.valueOf(r.round()), r.engine(),
                    String.format(Locale.ROOT, "%,.0f", r.write().opsPerSecond()),
                    String.format(Locale.ROOT, "%,.0f", r.read().opsPerSecond()),
                    String.format(Locale.ROOT, "%,.0f", r.scan().opsPerSecond()),
                    String.format(Locale.ROOT, "%,.0f", r.flushNanos() / 1e6),
                    String.format(Locale.ROOT, "%,.1f", r.diskBytes() / MIB)));
        }
        out.append("\nEach run, in the order it ran\n").append(ReportText.table(raw, 2));
        return out.toString();
    }

    /** The middle value, or the mean of the two middle values; NaN for none. */
    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** {@code (max - min) / median}: 0 for one value. */
    static double spread(double[] values) {
        double median = median(values);
        if (values.length < 2 || median == 0) {
            return 0;
        }
        double min = Arrays.stream(values).min().getAsDouble();
        double max = Arrays.stream(values).max().getAsDouble();
        return (max - min) / median;
    }

    private static List<EngineRound> of(List<EngineRound> rounds, String engine) {
        return rounds.stream().filter(r -> r.engine().equals(engine)).collect(Collectors.toList());
    }

    private static Histogram pooledLatency(List<EngineRound> rounds, String engine, Phase phase) {
        Histogram pooled = null;
        for (EngineRound r : of(rounds, engine)) {
            Histogram h = r.phase(phase).latencyNanos();
            if (h == null) {
                continue;
            }
            if (pooled == null) {
                pooled = new Histogram(h.getNumberOfSignificantValueDigits());
            }
            pooled.add(h);
        }
        return pooled;
    }
}
