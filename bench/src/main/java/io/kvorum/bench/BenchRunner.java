package io.kvorum.bench;

import io.kvorum.core.Clock;
import io.kvorum.storage.lsm.LsmOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Runs every engine through write, flush, read and scan, round after round, and checks every
 * answer.
 *
 * <p>The machine is shared and noisy, so engines are measured side by side in one process and
 * alternate: odd rounds run them in the given order, even rounds in reverse (K R, R K, K R, ...),
 * so neither always runs first (cold JIT) or last (after the other's garbage and page cache).
 * Before each engine's run a full GC clears the previous run's garbage; each run gets a fresh
 * directory, deleted after. The report takes the median per engine and phase.
 *
 * <p>Within a round an engine: opens; puts every key once in random order (timed per put); flushes
 * (timed, not counted as writes: it is the work the engine deferred); measures its directory;
 * reads the read sequence (timed per get); scans everything (timed as a whole); closes. With
 * several threads, writes and reads are split into disjoint contiguous slices, one per thread; the
 * scan is one thread.
 *
 * <p>Every read must return exactly the value written and the scan must see every key once with
 * its whole value; anything else stops the run with an {@link IllegalStateException} naming the
 * engine and the key, because a fast wrong answer is not a result.
 */
final class BenchRunner {
    /** Latency histograms keep 3 significant digits (0.1%), resizing for any outlier. */
    static final int LATENCY_DIGITS = 3;

    private final BenchConfig config;
    private final Clock clock;
    private final PrintWriter progress;

    BenchRunner(BenchConfig config, Clock clock, PrintWriter progress) {
        this.config = config;
        this.clock = clock;
        this.progress = progress;
    }

    /** The engines of round {@code round} (from 1), in the order they run. */
    static List<EngineFactory> order(List<EngineFactory> engines, int round) {
        List<EngineFactory> order = new ArrayList<>(engines);
        if (round % 2 == 0) {
            Collections.reverse(order);
        }
        return order;
    }

    List<EngineRound> run() {
        long start = clock.nanoTime();
        KeyValueGenerator generator = new KeyValueGenerator(config.seed(), config.keyBytes(), config.valueBytes());
        Workload workload = Workload.generate(generator, config.keyCount(), config.readCount());
        progress.printf("generated %,d keys and %,d reads in %,d ms%n", workload.keyCount(), workload.readCount(),
                (clock.nanoTime() - start) / 1_000_000);
        progress.flush();

        LsmOptions options = config.lsmOptions();
        List<EngineRound> results = new ArrayList<>();
        for (int round = 1; round <= config.rounds(); round++) {
            for (EngineFactory engine : order(config.engines(), round)) {
                EngineRound result = runOnce(engine, round, workload, options);
                results.add(result);
                progress.printf("round %d/%d %-8s write %,12.0f ops/s  flush %,7.0f ms  read %,12.0f ops/s"
                                + "  scan %,12.0f rec/s  disk %,8.1f MiB%n",
                        round, config.rounds(), engine.name(), result.write().opsPerSecond(),
                        result.flushNanos() / 1e6, result.read().opsPerSecond(),
                        result.scan().opsPerSecond(), result.diskBytes() / (1024.0 * 1024.0));
                progress.flush();
            }
        }
        return results;
    }

    private EngineRound runOnce(EngineFactory factory, int round, Workload workload, LsmOptions options) {
        System.gc();
        Path dir = createDirectory(factory.name() + "-round" + round + "-");
        try {
            try (StorageEngine engine = factory.open(dir, options)) {
                String name = factory.name();
                PhaseResult write = inParallel(workload.keyCount(), (from, to, latency) -> {
                    for (int i = from; i < to; i++) {
                        long t0 = clock.nanoTime();
                        engine.put(workload.key(i), workload.value(i));
                        latency.recordValue(clock.nanoTime() - t0);
                    }
                });

                long flushStart = clock.nanoTime();
                engine.flush();
                long flushNanos = clock.nanoTime() - flushStart;
                long diskBytes = directoryBytes(dir);

                PhaseResult read = inParallel(workload.readCount(), (from, to, latency) -> {
                    for (int n = from; n < to; n++) {
                        int i = workload.readIndex(n);
                        long t0 = clock.nanoTime();
                        byte[] value = engine.get(workload.key(i));
                        latency.recordValue(clock.nanoTime() - t0);
                        workload.checkRead(name, i, value);
                    }
                });

                long scanStart = clock.nanoTime();
                ScanTally tally = engine.scanAll();
                long scanNanos = Math.max(1, clock.nanoTime() - scanStart);
                workload.checkScan(name, tally);
                PhaseResult scan = new PhaseResult(tally.records(), scanNanos, null);

                return new EngineRound(name, round, write, flushNanos, diskBytes, read, scan);
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    /** The work of one thread: operations {@code [from, to)}, recording each latency in nanoseconds. */
    @FunctionalInterface
    private interface Slice {
        void run(int from, int to, Histogram latencyNanos);
    }

    /**
     * Runs {@code operations} split into one contiguous slice per thread and times them from the
     * moment all threads are released until the last one ends. A failure in any thread fails the
     * phase with that thread's exception.
     */
    private PhaseResult inParallel(int operations, Slice slice) {
        int threads = config.threads();
        List<Histogram> latencies = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            latencies.add(new Histogram(LATENCY_DIGITS));
        }
        long elapsed = ParallelRun.run(clock, threads, "bench-worker-", t -> {
            int from = (int) ((long) operations * t / threads);
            int to = (int) ((long) operations * (t + 1) / threads);
            slice.run(from, to, latencies.get(t));
        });
        Histogram total = new Histogram(LATENCY_DIGITS);
        latencies.forEach(total::add);
        return new PhaseResult(operations, elapsed, total);
    }

    private Path createDirectory(String prefix) {
        try {
            Files.createDirectories(config.dir());
            return Files.createTempDirectory(config.dir(), prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory under " + config.dir() + ": " + e.getMessage(), e);
        }
    }

    /** Bytes in the regular files under {@code dir}. */
    static long directoryBytes(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(BenchRunner::sizeOrZero).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A file can vanish between listing and sizing (a finished compaction deletes its inputs). */
    private static long sizeOrZero(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Deletes {@code dir} and its contents; a failure is reported, not thrown over the run's own result. */
    private void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            progress.println("warning: could not delete " + dir + ": " + e.getMessage());
            progress.flush();
        }
    }
}
