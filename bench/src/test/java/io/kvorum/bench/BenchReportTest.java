package io.kvorum.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class BenchReportTest {

    @Test
    void medianAndSpread() {
        assertThat(BenchReport.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(BenchReport.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(BenchReport.spread(new double[] {90, 100, 110})).isCloseTo(0.2, within(1e-9));
        assertThat(BenchReport.spread(new double[] {100})).isZero();
    }

    @Test
    void theSummaryShowsMediansLatenciesAndTheRatioOfTheFirstEngineToTheSecond() {
        BenchConfig config = new BenchConfig(1000, 16, 100, 1000, 3, 1,
                List.of(MapEngine.factory("fast", 0), MapEngine.factory("slow", 0)), Path.of("/tmp"), 1 << 20, 0, 1);
        // One second per phase: the rate equals the operation count. Medians: fast 200, slow 100.
        List<EngineRound> rounds = List.of(
                round("fast", 1, 100), round("slow", 1, 100),
                round("slow", 2, 90), round("fast", 2, 200),
                round("fast", 3, 300), round("slow", 3, 110));

        String report = BenchReport.results(config, rounds);

        assertThat(report).contains("fast/slow");
        String write = report.lines().filter(l -> l.startsWith("write")).findFirst().orElseThrow();
        assertThat(write.split("\\s+")).containsExactly("write", "200", "100.0%", "2.00", "2.00", "100", "20.0%",
                "2.00", "2.00", "2.00");
        String scan = report.lines().filter(l -> l.startsWith("scan")).findFirst().orElseThrow();
        assertThat(scan.split("\\s+")).containsExactly("scan", "200", "100.0%", "-", "-", "100", "20.0%", "-", "-",
                "2.00");
    }

    @Test
    void theHeaderStatesTheFairnessChoices() {
        BenchConfig config = new BenchConfig(1000, 16, 100, 1000, 3, 1,
                List.of(Engines.byName("kvorum", io.kvorum.core.Clock.system()),
                        Engines.byName("rocksdb", io.kvorum.core.Clock.system())),
                Path.of("/tmp"), 64 << 20, 128 << 20, 1);

        String header = BenchReport.header(config, "");

        assertThat(header).contains("kvorum rocksdb, then rocksdb kvorum", "seed      1", "memtable 64 MiB",
                "block cache 128 MiB", "WAL on, sync=false", "write_buffer_size 64 MiB", "LRU block cache 128 MiB",
                "block 16 KiB", "Bloom 10 bits/key", "no compression", "PERIODIC");
    }

    private static EngineRound round(String engine, int round, long operations) {
        long second = 1_000_000_000L;
        Histogram latency = new Histogram(3);
        latency.recordValue(2_000);
        return new EngineRound(engine, round, new PhaseResult(operations, second, latency), 5_000_000, 1 << 20,
                new PhaseResult(operations, second, latency), new PhaseResult(operations, second, null));
    }
}
