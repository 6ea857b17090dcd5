package io.kvorum.bench;

import io.kvorum.client.KvorumClient;
import io.kvorum.core.Clock;
import io.kvorum.client.cli.Converters;
import io.kvorum.core.Consistency;
import io.kvorum.core.Durations;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.KvorumException;
import io.kvorum.core.protocol.RingResponse;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The cluster benchmark's command line: a closed-loop read/write load against a running cluster
 * through the Java client, reporting throughput, latency percentiles and failures (see
 * bench/README.md and {@link ClusterRunner}).
 *
 * <p>It is the boundary where input enters, so it rejects bad options before connecting (exit
 * code 2, naming the option, the value and what was expected), and r, w and n against the
 * replication factor once the cluster has said what it is (also 2). When no host answers it says
 * so on stderr and exits 1. Once the run has started it reports what happened and exits 0, however
 * many requests failed: failures are results, counted by kind in the report. Only a broken run (a
 * bug, an interrupt) exits 1 with the reason.
 */
@Command(name = "kvorum-bench", sortOptions = false, sortSynopsis = false,
        description = {"Closed-loop load against a running Kvorum cluster through the Java client: a read/write mix"
                + " over a key space, with throughput, latency percentiles per operation and failures by kind.",
                "See bench/README.md."},
        footerHeading = "%n",
        footer = {"Durations: 500ms, 30s, 5m, 1h, or a number of milliseconds. R and W: one, quorum, all or a"
                + " number of replicas.",
                "Exit codes: 0 the run happened (failed requests are reported, not fatal), 1 no host could be reached"
                        + " or the run broke, 2 bad arguments."})
public final class ClusterBench implements Callable<Integer> {
    static final String DEFAULT_HOSTS = "127.0.0.1:9100,127.0.0.2:9100,127.0.0.3:9100";
    static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);
    /** The per-key contexts may take at most this share of the heap. */
    static final double MAX_CONTEXT_HEAP_SHARE = 0.5;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--hosts", split = ",", paramLabel = "HOST:PORT", defaultValue = DEFAULT_HOSTS,
            description = "Nodes to learn the ring from, comma-separated; requests then go to each key's replicas"
                    + " (default: 127.0.0.1:9100, 127.0.0.2:9100 and 127.0.0.3:9100, as bin/kvorum-cluster start 3"
                    + " makes them).")
    private List<String> hosts;

    @Option(names = "--threads", paramLabel = "N",
            description = "Client threads, each with one request in flight (default: ${DEFAULT-VALUE}).")
    private int threads = 16;

    @Option(names = "--keys", paramLabel = "N",
            description = "Key space: key-0 .. key-(N-1), chosen uniformly (default: ${DEFAULT-VALUE}).")
    private int keys = 100_000;

    @Option(names = "--value-bytes", paramLabel = "BYTES", description = "Value size (default: ${DEFAULT-VALUE}).")
    private int valueBytes = 1024;

    @Option(names = "--read-percent", paramLabel = "0..100",
            description = "Share of reads; the rest are writes (default: ${DEFAULT-VALUE}).")
    private int readPercent = 50;

    @Option(names = "--r", paramLabel = "R", converter = Converters.ConsistencyConverter.class, defaultValue = "quorum",
            description = "Replicas that must answer a read (default: ${DEFAULT-VALUE}).")
    private Consistency r;

    @Option(names = "--w", paramLabel = "W", converter = Converters.ConsistencyConverter.class, defaultValue = "quorum",
            description = "Replicas that must acknowledge a write (default: ${DEFAULT-VALUE}).")
    private Consistency w;

    @Option(names = "--n", paramLabel = "N",
            description = "Replicas of each key that take part (default: the replication factor).")
    private Integer n;

    @Option(names = "--durable", description = "Writes wait for the commit-log fsync on each acknowledging replica.")
    private boolean durable;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to measure, after the warmup (default: 30s unless --ops is given).")
    private Duration duration;

    @Option(names = "--ops", paramLabel = "N", description = "How many operations to measure, instead of --duration.")
    private Long ops;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
            description = "How long the load runs unmeasured first; 0 for none (default: ${DEFAULT-VALUE}).")
    private Duration warmup;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2s",
            description = "Each request's timeout (default: ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Option(names = "--load", negatable = true, arity = "0..1", fallbackValue = "true", defaultValue = "true",
            paramLabel = "true|false",
            description = "Read and write back every key once before the warmup, so reads find their key;"
                    + " --no-load skips it"
                    + " (default: ${DEFAULT-VALUE}).")
    private boolean load;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed of the value bytes and of each thread's keys and mix (default: ${DEFAULT-VALUE}).")
    private long seed = 42;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterBench()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClusterBenchConfig config = validate();
        KvorumClient client;
        RingResponse ring;
        try {
            client = KvorumClient.builder().seeds(config.hosts()).clientName("kvorum-bench")
                    .requestTimeout(config.timeout()).build();
        } catch (IllegalArgumentException e) {
            throw usageError("--hosts: " + e.getMessage(), e);
        } catch (KvorumException e) {
            err.println("kvorum-bench: cannot connect to any of " + String.join(", ", config.hosts()) + ": "
                    + e.getMessage());
            err.flush();
            return 1;
        }
        try {
            try {
                ring = client.fetchRing();
            } catch (KvorumException e) {
                err.println("kvorum-bench: connected, but could not read the ring: " + e.getMessage());
                err.flush();
                return 1;
            }
            try {
                config.readOptions().effectiveN(ring.replicationFactor());
                config.writeOptions().effectiveN(ring.replicationFactor());
            } catch (InvalidRequestException e) {
                throw usageError(e.getMessage() + " (the cluster's replication factor is " + ring.replicationFactor()
                        + ")", e);
            }
            out.print(ClusterReport.header(config, ring));
            out.flush();
            ClusterResult result = new ClusterRunner(config, client, Clock.system(), out).run();
            out.print(ClusterReport.results(result));
            out.flush();
            return 0;
        } catch (RuntimeException | OutOfMemoryError e) {
            if (e instanceof ParameterException) {
                throw (ParameterException) e;
            }
            out.flush();
            err.println("kvorum-bench: FAILED: " + e);
            e.printStackTrace(err);
            err.flush();
            return 1;
        } finally {
            client.close();
        }
    }

    /** The run's configuration, or a {@link ParameterException} (usage error) naming what is wrong. */
    private ClusterBenchConfig validate() {
        try {
            Duration measureFor = duration != null ? duration : ops == null ? DEFAULT_DURATION : null;
            ClusterBenchConfig config = new ClusterBenchConfig(hosts, threads, keys, valueBytes, readPercent, r, w,
                    n == null ? 0 : requireN(n), durable, measureFor, ops == null ? 0 : ops, warmup, timeout, load,
                    seed);
            long maxHeap = Runtime.getRuntime().maxMemory();
            if (config.contextHeapBytes() > maxHeap * MAX_CONTEXT_HEAP_SHARE) {
                throw new IllegalArgumentException(String.format(
                        "--keys: %d keys need about %,d MiB of heap for their contexts (expected: at most half the"
                                + " JVM's %,d MiB; fewer keys, or a bigger heap via KVORUM_BENCH_HEAP)",
                        keys, config.contextHeapBytes() >> 20, maxHeap >> 20));
            }
            return config;
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage(), e);
        }
    }

    private static int requireN(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--n: " + n + " (expected: >= 1, or unset for the replication factor)");
        }
        return n;
    }

    private ParameterException usageError(String message, Exception cause) {
        return new ParameterException(spec.commandLine(), message, cause);
    }

    /** Durations that may be zero (a warmup may be skipped); each option checks its own range. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
