package io.kvorum.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Clock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchRunnerTest {
    /** A small memtable, so that a few thousand keys already make several table files in either engine. */
    private static final long ONE_MIB = 1 << 20;

    @TempDir
    Path dir;

    private final StringWriter progress = new StringWriter();

    private BenchConfig config(List<EngineFactory> engines, int keys, int reads, int rounds, int threads) {
        return new BenchConfig(keys, 16, 100, reads, rounds, threads, engines, dir, ONE_MIB, ONE_MIB, 42);
    }

    private List<EngineRound> run(BenchConfig config) {
        return new BenchRunner(config, Clock.system(), new PrintWriter(progress)).run();
    }

    @Test
    void runsTheMapEngineAndRocksDbSideBySideAndCountsEveryOperation() throws IOException {
        BenchConfig config = config(List.of(MapEngine.factory("map", 0), Engines.byName("rocksdb", Clock.system())),
                20_000, 30_000, 2, 1);

        List<EngineRound> rounds = run(config);

        assertThat(rounds).extracting(EngineRound::engine).containsExactly("map", "rocksdb", "rocksdb", "map");
        assertThat(rounds).extracting(EngineRound::round).containsExactly(1, 1, 2, 2);
        for (EngineRound r : rounds) {
            assertThat(r.write().operations()).isEqualTo(20_000);
            assertThat(r.write().latencyNanos().getTotalCount()).isEqualTo(20_000);
            assertThat(r.read().operations()).isEqualTo(30_000);
            assertThat(r.read().latencyNanos().getTotalCount()).isEqualTo(30_000);
            assertThat(r.scan().operations()).isEqualTo(20_000);
            assertThat(r.scan().latencyNanos()).isNull();
            for (Phase phase : Phase.values()) {
                assertThat(r.phase(phase).opsPerSecond()).isPositive();
            }
        }
        // RocksDB really wrote its data to files (16 + 100 bytes per key at least); the map did not.
        assertThat(rounds.get(1).diskBytes()).isGreaterThan(20_000L * 116);
        assertThat(rounds.get(0).diskBytes()).isZero();
        // Every engine's round directory is gone.
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.collect(Collectors.toList())).isEmpty();
        }

        String report = BenchReport.results(config, rounds);
        assertThat(report).contains("map ops/s", "rocksdb ops/s", "map/rocksdb", "write", "read", "scan", "flush ms",
                "disk MiB");
        assertThat(progress.toString()).contains("round 2/2 map", "round 1/2 rocksdb");
    }

    @Test
    void threadsSplitWritesAndReadsIntoDisjointSlicesThatCoverEverything() {
        // Odd counts, so slices are uneven; the scan check fails if a key were skipped or written twice.
        BenchConfig config = config(List.of(Engines.byName("rocksdb", Clock.system()), MapEngine.factory("map", 0)),
                10_001, 7_777, 1, 3);

        List<EngineRound> rounds = run(config);

        for (EngineRound r : rounds) {
            assertThat(r.write().operations()).isEqualTo(10_001);
            assertThat(r.write().latencyNanos().getTotalCount()).isEqualTo(10_001);
            assertThat(r.read().operations()).isEqualTo(7_777);
            assertThat(r.read().latencyNanos().getTotalCount()).isEqualTo(7_777);
            assertThat(r.scan().operations()).isEqualTo(10_001);
        }
    }

    @Test
    void anEngineThatLosesWritesFailsTheRunNamingTheEngineAndTheKey() {
        BenchConfig config = config(List.of(MapEngine.factory("lossy", 100)), 5_000, 5_000, 1, 2);

        assertThatThrownBy(() -> run(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("lossy: read of key #")
                .hasMessageContaining("found nothing (expected: the 100-byte value written this round)");
    }

    @Test
    void aScanThatMissesRecordsOrBytesFailsTheRun() {
        Workload workload = Workload.generate(new KeyValueGenerator(1, 16, 100), 10, 10);

        workload.checkScan("e", new ScanTally(10, 1000));
        assertThatThrownBy(() -> workload.checkScan("e", new ScanTally(9, 900)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("e: full scan saw 9 records with 900 value bytes (expected: 10 records with 1000 value"
                        + " bytes, one per key written)");
        assertThatThrownBy(() -> workload.checkRead("e", 3, new byte[100]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("e: read of key #3")
                .hasMessageContaining("differs from the 100-byte value written");
    }

    @Test
    void roundsAlternateTheEngineOrder() {
        EngineFactory a = MapEngine.factory("a", 0);
        EngineFactory b = MapEngine.factory("b", 0);

        assertThat(BenchRunner.order(List.of(a, b), 1)).containsExactly(a, b);
        assertThat(BenchRunner.order(List.of(a, b), 2)).containsExactly(b, a);
        assertThat(BenchRunner.order(List.of(a, b), 3)).containsExactly(a, b);
    }

    @Test
    void runsKvorumEndToEndCheckingEveryAnswer() {
        BenchConfig config = config(List.of(Engines.byName("kvorum", Clock.system())), 5_000, 5_000, 1, 2);
        List<EngineRound> rounds = run(config);
        assertThat(rounds).hasSize(1);
        assertThat(rounds.get(0).write().operations()).isEqualTo(5_000);
        assertThat(rounds.get(0).scan().operations()).isEqualTo(5_000);
    }
}
