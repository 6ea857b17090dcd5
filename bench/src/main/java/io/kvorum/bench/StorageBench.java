package io.kvorum.bench;

import io.kvorum.core.Clock;
import io.kvorum.storage.lsm.LsmSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The storage benchmark's command line: Kvorum's LSM engine and RocksDB side by side on random
 * writes, random point reads and a full scan (see bench/README.md and {@link BenchRunner}).
 *
 * <p>It is the boundary where input enters, so it rejects bad options before any work starts
 * (exit code 2, naming the option, the value and what was expected), refuses a workload that would
 * not fit in the heap, and turns a failed run into one clear line on stderr and exit code 1.
 */
@Command(name = "kvorum-storage-bench", sortOptions = false,
        description = {"Kvorum's LSM storage engine against RocksDB: random writes, random point reads, a full scan.",
                "Engines alternate over rounds; the report gives the median per engine and phase, its spread, p50/p99"
                        + " latency, and the ratio of the first engine to the second. See bench/README.md."})
public final class StorageBench implements Callable<Integer> {
    /** The workload's arrays may take at most this share of the heap; the engines' memtables and caches need the rest. */
    static final double MAX_WORKLOAD_HEAP_SHARE = 0.5;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--keys", paramLabel = "N", description = "Keys to write, each once (default: ${DEFAULT-VALUE}).")
    private int keys = 1_000_000;

    @Option(names = "--key-bytes", paramLabel = "BYTES", description = "Key size (default: ${DEFAULT-VALUE}).")
    private int keyBytes = 16;

    @Option(names = "--value-bytes", paramLabel = "BYTES", description = "Value size (default: ${DEFAULT-VALUE}).")
    private int valueBytes = 100;

    @Option(names = "--reads", paramLabel = "N", description = "Uniformly random point reads (default: ${DEFAULT-VALUE}).")
    private int reads = 1_000_000;

    @Option(names = "--rounds", paramLabel = "N", description = "Rounds; each runs every engine once (default: ${DEFAULT-VALUE}).")
    private int rounds = 3;

    @Option(names = "--threads", paramLabel = "N",
            description = "Writer and reader threads, each on a disjoint slice (default: ${DEFAULT-VALUE}).")
    private int threads = 1;

    @Option(names = "--engines", paramLabel = "LIST",
            description = "Comma-separated engines, in first-round order: kvorum, rocksdb (default: ${DEFAULT-VALUE}).")
    private String engines = "kvorum,rocksdb";

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where engines get their per-round directories (default: a new directory under java.io.tmpdir, deleted after).")
    private Path dir;

    @Option(names = "--memtable-bytes", paramLabel = "SIZE", converter = MemtableBytes.class,
            description = "Memtable size for every engine, e.g. 64MiB (default: storage.memtable_max_bytes, ${DEFAULT-VALUE}).")
    private long memtableBytes = LsmSettings.MEMTABLE_MAX_BYTES.defaultValue();

    @Option(names = "--cache-bytes", paramLabel = "SIZE", converter = CacheBytes.class,
            description = "Block cache size for every engine, e.g. 128MiB (default: storage.block_cache_bytes, ${DEFAULT-VALUE}).")
    private long cacheBytes = LsmSettings.BLOCK_CACHE_BYTES.defaultValue();

    @Option(names = "--seed", paramLabel = "N", description = "Seed of keys, values and reads (default: ${DEFAULT-VALUE}).")
    private long seed = 42;

    public static void main(String[] args) {
        System.exit(new CommandLine(new StorageBench()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Clock clock = Clock.system();
        boolean ownDir = dir == null;
        BenchConfig config = validate(clock, ownDir ? Path.of(System.getProperty("java.io.tmpdir")) : dir);
        if (ownDir) {
            config = withDir(config, createTempDir());
        }
        try {
            out.print(BenchReport.header(config, ownDir ? "; it is itself removed at the end" : ""));
            out.flush();
            List<EngineRound> results = new BenchRunner(config, clock, out).run();
            out.print(BenchReport.results(config, results));
            out.flush();
            return 0;
        } catch (RuntimeException | OutOfMemoryError e) {
            out.flush();
            err.println("kvorum-storage-bench: FAILED: " + e);
            e.printStackTrace(err);
            err.flush();
            return 1;
        } finally {
            if (ownDir) {
                deleteRecursively(config.dir());
            }
        }
    }

    /** The run's configuration, or a {@link ParameterException} (usage error) naming what is wrong. */
    private BenchConfig validate(Clock clock, Path base) {
        try {
            if (Files.exists(base) && !Files.isDirectory(base)) {
                throw new IllegalArgumentException("--dir: " + base + " (expected: a directory, or a path to create one at)");
            }
            BenchConfig config = new BenchConfig(keys, keyBytes, valueBytes, reads, rounds, threads,
                    Engines.parse(engines, clock), base, memtableBytes, cacheBytes, seed);
            long maxHeap = Runtime.getRuntime().maxMemory();
            long needed = config.workloadHeapBytes();
            if (needed > maxHeap * MAX_WORKLOAD_HEAP_SHARE) {
                throw new IllegalArgumentException(String.format(
                        "--keys: %d keys of %d + %d B and %d reads take about %,d MiB of heap (expected: at most half"
                                + " the JVM's %,d MiB; fewer keys, or a bigger heap via KVORUM_BENCH_HEAP)",
                        keys, keyBytes, valueBytes, reads, needed >> 20, maxHeap >> 20));
            }
            return config;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private static BenchConfig withDir(BenchConfig c, Path dir) {
        return new BenchConfig(c.keyCount(), c.keyBytes(), c.valueBytes(), c.readCount(), c.rounds(), c.threads(),
                c.engines(), dir, c.memtableBytes(), c.cacheBytes(), c.seed());
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("kvorum-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Parses sizes the way Kvorum's config does ({@code 65536}, {@code 64MiB}), with its bounds. */
    static final class MemtableBytes implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return LsmSettings.MEMTABLE_MAX_BYTES.parse(value);
        }
    }

    /** Parses sizes the way Kvorum's config does ({@code 0}, {@code 128MiB}), with its bounds. */
    static final class CacheBytes implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return LsmSettings.BLOCK_CACHE_BYTES.parse(value);
        }
    }
}
