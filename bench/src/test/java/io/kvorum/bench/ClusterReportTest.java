package io.kvorum.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Consistency;
import io.kvorum.core.Durations;
import io.kvorum.core.protocol.RingResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterReportTest {
    private static final long SECOND_NS = 1_000_000_000L;

    private static ClusterBenchConfig config(int n, boolean durable, Duration duration, long ops) {
        return new ClusterBenchConfig(List.of("10.0.0.1:9100", "10.0.0.2:9100"), 8, 1000, 512, 95,
                Consistency.ONE, Consistency.ALL, n, durable, duration, ops, Duration.ofSeconds(5),
                Duration.ofMillis(1500), true, 7);
    }

    private static RingResponse ring(int nodes, int down) {
        List<RingResponse.Member> members = new java.util.ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            members.add(new RingResponse.Member(i + 1, "10.0.0." + (i + 1), 9100, List.of((long) i), "", i >= down));
        }
        return new RingResponse(3, members);
    }

    @Test
    void theHeaderStatesEveryConditionOfTheRun() {
        String header = ClusterReport.header(config(0, false, Duration.ofSeconds(30), 0), ring(4, 1));

        assertThat(header)
                .startsWith("Kvorum cluster benchmark: 95% reads, 5% writes, 8 threads\n")
                .contains("  hosts     10.0.0.1:9100, 10.0.0.2:9100; the ring has 4 nodes (3 up), replication factor 3")
                .contains("  keys      1,000 (key-0 .. key-999)")
                .contains("  values    512 B of random bytes generated once; each write changes the first 8")
                .contains("  quorums   r=ONE (1 of 3), w=ALL (3 of 3), n=3 (the replication factor)")
                .contains("  writes    not durable: acknowledged before the commit-log fsync;")
                .contains("  timeout   1500ms per request")
                .contains("  load      every key read and written back once with the read's context before the warmup")
                .contains("5s warmup, not measured; then 30s measured")
                .contains("  seed      7");
    }

    @Test
    void theHeaderShowsAnExplicitNDurabilityAndACountOfOperations() {
        String header = ClusterReport.header(config(2, true, null, 1_000_000), ring(3, 0));

        assertThat(header)
                .contains("r=ONE (1 of 2), w=ALL (2 of 2), n=2\n")
                .contains("durable: acknowledged once fsynced")
                .contains("then 1,000,000 operations measured");
    }

    @Test
    void theResultsShowThroughputAndPercentilesPerOperation() {
        OpStats measured = new OpStats();
        // 902 reads: 802 at 1 ms, 90 at 2 ms, 9 at 10 ms, 1 at 50 ms. 100 writes at 4 ms. Over 2 s.
        record(measured, 800, 1_000_000, true);
        record(measured, 90, 2_000_000, true);
        record(measured, 9, 10_000_000, true);
        record(measured, 1, 50_000_000, true);
        record(measured, 100, 4_000_000, false);
        measured.read(1_000_000, false, false);
        measured.read(1_000_000, true, true);
        measured.error("RequestTimeoutException", false, "put of key 'key-3' timed out after 2000 ms");
        measured.error("RequestTimeoutException", true, "get of key 'key-9' timed out");
        measured.error("UnavailableException", false, "write needs 2 replicas up but only 1 are");
        OpStats warmup = new OpStats();
        record(warmup, 10, 1_000_000, true);

        String report = ClusterReport.results(new ClusterResult(null, 0, warmup, measured, 2 * SECOND_NS));

        assertThat(report).contains("Results: 501 ops/s over 2.0 s measured (1,002 successful operations; 3 failed,"
                + " not counted)");
        assertThat(row(report, "op")).containsExactly("op", "ops/s", "count", "p50", "ms", "p95", "ms", "p99", "ms",
                "p99.9", "ms", "max", "ms");
        assertThat(row(report, "read")).containsExactly("read", "451", "902", "1.000", "2.001", "10.002", "50.004",
                "50.004");
        assertThat(row(report, "write")).containsExactly("write", "50", "100", "4.002", "4.002", "4.002", "4.002",
                "4.002");
        assertThat(row(report, "all")).containsExactly("all", "501", "1,002", "1.000", "4.002", "4.002", "10.002",
                "50.004");
        assertThat(report)
                .contains("  reads     901 found a value, 1 found none, 1 returned siblings")
                .contains("  errors    3 (0.30% of operations sent)")
                .contains("  warmup    10 operations, 0 failed")
                .doesNotContain("  load ");
        // Failures, the most frequent kind first, each with its first message, aligned.
        assertThat(report).contains(
                "    kind                     reads  writes  first message\n"
                        + "    RequestTimeoutException      1       1  put of key 'key-3' timed out after 2000 ms\n"
                        + "    UnavailableException         0       1  write needs 2 replicas up but only 1 are\n");
    }

    @Test
    void theLoadLineShowsItsRateLatencyAndFailures() {
        OpStats load = new OpStats();
        record(load, 1000, 2_000_000, false);
        load.error("UnavailableException", false, "nope");

        String report = ClusterReport.results(new ClusterResult(load, 4 * SECOND_NS, new OpStats(), new OpStats(), 1));

        assertThat(report).contains("  load      1,000 keys read and written back in 4.0 s (250 keys/s), put p50 2.001 ms,"
                + " p99 2.001 ms; failed requests: 1\n"
                + "    kind                  reads  writes  first message\n"
                + "    UnavailableException      0       1  nope\n");
        assertThat(row(report, "read")).containsExactly("read", "0", "0", "-", "-", "-", "-", "-");
    }

    @Test
    void errorKindsAreBoundedAndMergedAcrossThreads() {
        ErrorTally a = new ErrorTally();
        ErrorTally b = new ErrorTally();
        for (int i = 0; i < 40; i++) {
            a.record("Kind" + i, true, "first of " + i);
        }
        b.record("Kind0", false, "later");
        b.record("Brand new", false, "brand new message");

        a.add(b);

        assertThat(a.total()).isEqualTo(42);
        assertThat(a.kinds()).hasSize(ErrorTally.MAX_KINDS);
        // The first 31 kinds keep their names; the 9 after them and the new one from b share "other".
        assertThat(a.kinds().get(0)).isEqualTo(new ErrorTally.Kind(ErrorTally.OTHER, 9, 1, "Kind31: first of 31"));
        assertThat(a.kinds().get(1)).isEqualTo(new ErrorTally.Kind("Kind0", 1, 1, "first of 0"));
        assertThat(a.kinds().get(2)).isEqualTo(new ErrorTally.Kind("Kind1", 1, 0, "first of 1"));
    }

    @Test
    void durationsParseAndPrintBack() {
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("250")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse(" 2M ")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("0")).isZero();
        assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofHours(24))).isEqualTo("24h");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    }

    private static void record(OpStats stats, int count, long latencyNanos, boolean read) {
        for (int i = 0; i < count; i++) {
            if (read) {
                stats.read(latencyNanos, true, false);
            } else {
                stats.write(latencyNanos);
            }
        }
    }

    private static List<String> row(String report, String first) {
        return List.of(report.lines().filter(l -> l.startsWith(first + " ")).findFirst().orElseThrow().split("\\s+"));
    }
}
