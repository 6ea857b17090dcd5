package io.kvorum.bench;

import io.kvorum.client.Context;
import io.kvorum.client.GetResult;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.Clock;
import io.kvorum.core.Durations;
import io.kvorum.core.RandomSource;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * Drives a running cluster through the Java client with a read/write mix over a fixed key space,
 * and measures what each request costs: load, warmup, then the measured window.
 *
 * <p><b>Closed loop.</b> Each of {@code --threads} threads has exactly one request in flight: it
 * sends the next only when the previous one has completed. The offered load is therefore whatever
 * the cluster sustains with that many concurrent clients, and throughput and latency are two views
 * of one equilibrium (Little's law: threads = throughput x mean latency). Because a thread never
 * schedules a request for a time it has already missed, there is no coordinated omission to
 * correct (Tene, "How NOT to measure latency"): these are the latencies of a closed system, not
 * of an open one under a fixed arrival rate, and they say nothing about the queueing an open
 * system would see at the same throughput.
 *
 * <p><b>Latency</b> runs from just before the request is handed to the client's asynchronous API
 * to the moment its future completes, stamped by a callback on the client's event loop. The thread
 * waiting on the future wakes up later, on a machine whose cores the nodes share; that delay slows
 * the loop (and so shows in throughput) but is not counted as the request's latency. Only
 * successful operations are in the latency figures; failures are counted by kind, with the first
 * message of each ({@link ErrorTally}). A request whose future has not completed
 * {@value #BACKSTOP_MARGIN_MS} ms after its own timeout is counted as {@value #NO_ANSWER} and left
 * behind.
 *
 * <p><b>Phases.</b> With {@code --load}, every key is first read and written back once with the
 * read's context, in disjoint contiguous slices, one per thread, so reads find existing keys and a
 * key an earlier run left gets one value, not a second sibling; a read that then finds nothing is
 * a {@value #NOT_FOUND} error. Then every thread runs the mix without pause: the first
 * {@code --warmup} is not measured (JIT, connections, the nodes' caches), and the measured window
 * follows, either for {@code --duration} or until {@code --ops} operations have been sent. An
 * operation belongs to the window if it was sent in it; the window's length runs from the first
 * such send to the last such completion, so throughput is operations over the time they took.
 *
 * <p><b>Writes and contexts.</b> A blind write (no context) supersedes nothing: every write of a key
 * would become another sibling of its value, and a uniform workload would make every key's value
 * grow with every write. So the run keeps, per key, the context of the last put of that key that
 * completed, from any thread, and sends the next put of the key with it; it supersedes that write
 * and whatever the coordinator returned with it. Only writes of a key that really overlap in time
 * leave siblings, and the next write of the key resolves them. (A context per thread would not do:
 * with T threads, a thread has written a given key before in about 1 case in T, so nearly every
 * write would still be blind.) Without {@code --load}, the first write of a key is blind, and a key
 * an earlier run left gains a sibling until its next write. Reads that return siblings are counted
 * and reported.
 * The table costs about {@value ClusterBenchConfig#CONTEXT_HEAP_BYTES_PER_KEY} bytes of heap per
 * key.
 *
 * <p><b>Keys and values.</b> Keys are {@code key-0} .. {@code key-(keys-1)}, each operation's key
 * and kind drawn uniformly from a per-thread {@link RandomSource} split from {@code --seed}. Values
 * are one array of random bytes, generated once; each thread writes a copy whose first 8 bytes
 * carry the thread and its write count, so every write differs.
 */
final class ClusterRunner {
    /** How long past a request's own timeout a thread waits before giving up on its future. */
    static final long BACKSTOP_MARGIN_MS = 5_000;
    /** The error kind of a read that found nothing although every key was loaded. */
    static final String NOT_FOUND = "NotFound";
    /** The error kind of a request whose future did not complete by its timeout plus the backstop margin. */
    static final String NO_ANSWER = "NoAnswer";

    private final ClusterBenchConfig config;
    private final KvorumClient client;
    private final Clock clock;
    private final PrintWriter progress;
    private final ReadOptions readOptions;
    private final WriteOptions writeOptions;
    private final long backstopMs;
    private final AtomicReferenceArray<Context> lastContexts;
    private final List<Worker> workers = new ArrayList<>();

    ClusterRunner(ClusterBenchConfig config, KvorumClient client, Clock clock, PrintWriter progress) {
        this.config = config;
        this.client = client;
        this.clock = clock;
        this.progress = progress;
        this.readOptions = config.readOptions();
        this.writeOptions = config.writeOptions();
        this.backstopMs = config.timeout().toMillis() + BACKSTOP_MARGIN_MS;
        this.lastContexts = new AtomicReferenceArray<>(config.keyCount());
        RandomSource random = RandomSource.seeded(config.seed());
        byte[] value = new byte[config.valueBytes()];
        for (int i = 0; i < value.length; i += Long.BYTES) {
            long word = random.nextLong();
            for (int b = i; b < Math.min(value.length, i + Long.BYTES); b++) {
                value[b] = (byte) (word >>> (8 * (b - i)));
            }
        }
        for (int t = 0; t < config.threads(); t++) {
            workers.add(new Worker(t, random.split(), value.clone()));
        }
    }

    ClusterResult run() {
        OpStats load = null;
        long loadNanos = 0;
        if (config.load()) {
            progress.printf(Locale.ROOT, "load: reading and writing back each of %,d keys with %d threads%n", config.keyCount(),
                    config.threads());
            progress.flush();
            loadNanos = ParallelRun.run(clock, config.threads(), "kvorum-bench-load-", t -> {
                int from = (int) ((long) config.keyCount() * t / config.threads());
                int to = (int) ((long) config.keyCount() * (t + 1) / config.threads());
                workers.get(t).load(from, to);
            });
            load = merge(Worker::loadStats);
            progress.printf(Locale.ROOT, "load: %,d keys written in %.1f s (%s keys/s); failed requests: %,d%n", load.writes(),
                    loadNanos / 1e9, ReportText.whole(load.writes() * 1e9 / loadNanos), load.errors().total());
        }
        progress.printf(Locale.ROOT, "run: %s warmup, then %s%n", Durations.format(config.warmup()),
                config.byDuration() ? Durations.format(config.duration()) + " measured"
                        : String.format(Locale.ROOT, "%,d operations measured", config.operations()));
        progress.flush();

        Window window = new Window(clock.nanoTime() + config.warmup().toNanos(), config);
        ParallelRun.run(clock, config.threads(), "kvorum-bench-", t -> workers.get(t).runMix(window));

        // Only threads that sent a measured operation count (a small --ops leaves some without one);
        // nanoTime values are compared by difference, as they may be negative.
        List<Worker> measured = workers.stream().filter(w -> w.measuredAny).toList();
        long measuredNanos = 1;
        if (!measured.isEmpty()) {
            long firstSend = measured.get(0).firstMeasuredSendNanos;
            long lastCompletion = measured.get(0).lastMeasuredCompletionNanos;
            for (Worker w : measured) {
                firstSend = w.firstMeasuredSendNanos - firstSend < 0 ? w.firstMeasuredSendNanos : firstSend;
                lastCompletion = w.lastMeasuredCompletionNanos - lastCompletion > 0 ? w.lastMeasuredCompletionNanos
                        : lastCompletion;
            }
            measuredNanos = Math.max(1, lastCompletion - firstSend);
        }
        return new ClusterResult(load, loadNanos, merge(Worker::warmupStats), merge(Worker::measuredStats),
                measuredNanos);
    }

    private OpStats merge(Function<Worker, OpStats> which) {
        OpStats total = new OpStats();
        workers.forEach(w -> total.add(which.apply(w)));
        return total;
    }

    private static byte[] keyBytes(int index) {
        return ClusterBenchConfig.keyName(index).getBytes(StandardCharsets.US_ASCII);
    }

    /** When measuring starts, and when it stops: a deadline, or a budget of operations shared by all threads. */
    private static final class Window {
        final long measureFromNanos;
        final boolean byDuration;
        final long sendUntilNanos;
        final AtomicLong operationsLeft;

        Window(long measureFromNanos, ClusterBenchConfig config) {
            this.measureFromNanos = measureFromNanos;
            this.byDuration = config.byDuration();
            this.sendUntilNanos = byDuration ? measureFromNanos + config.duration().toNanos() : 0;
            this.operationsLeft = new AtomicLong(byDuration ? 0 : config.operations());
        }

        /** Whether an operation may be sent at {@code nowNanos}, a time inside the measured part. */
        boolean claim(long nowNanos) {
            return byDuration ? nowNanos - sendUntilNanos < 0 : operationsLeft.getAndDecrement() > 0;
        }
    }

    /** One closed-loop client: a thread's state, touched only by that thread. */
    private final class Worker {
        private final int index;
        private final RandomSource random;
        private final byte[] value;
        private final OpStats loadStats = new OpStats();
        private final OpStats warmupStats = new OpStats();
        private final OpStats measuredStats = new OpStats();
        private long writes;
        private boolean measuredAny;
        private long firstMeasuredSendNanos;
        private long lastMeasuredCompletionNanos;
        /** When the last operation's future completed, as the event-loop callback stamped it. */
        private long completedNanos;

        Worker(int index, RandomSource random, byte[] value) {
            this.index = index;
            this.random = random;
            this.value = value;
        }

        OpStats loadStats() {
            return loadStats;
        }

        OpStats warmupStats() {
            return warmupStats;
        }

        OpStats measuredStats() {
            return measuredStats;
        }

        /**
         * Reads each key of {@code [from, to)} and writes it back with the read's context, so a key an
         * earlier run left is replaced rather than given a sibling. Only the writes are recorded.
         */
        void load(int from, int to) {
            for (int key = from; key < to; key++) {
                GetResult seen = await(client.getAsync(keyBytes(key), readOptions), true, loadStats);
                if (seen != null) {
                    lastContexts.set(key, seen.context());
                }
                write(key, loadStats);
            }
        }

        void runMix(Window window) {
            while (true) {
                long now = clock.nanoTime();
                boolean measured = now - window.measureFromNanos >= 0;
                if (measured && !window.claim(now)) {
                    return;
                }
                int key = random.nextInt(config.keyCount());
                boolean read = random.nextInt(100) < config.readPercent();
                long sent = read ? read(key, measured ? measuredStats : warmupStats)
                        : write(key, measured ? measuredStats : warmupStats);
                if (measured) {
                    if (!measuredAny) {
                        measuredAny = true;
                        firstMeasuredSendNanos = sent;
                    }
                    lastMeasuredCompletionNanos = completedNanos;
                }
            }
        }

        /** Reads key {@code key} and records the outcome in {@code stats}; returns when it was sent. */
        private long read(int key, OpStats stats) {
            byte[] keyBytes = keyBytes(key);
            long start = clock.nanoTime();
            GetResult result = await(client.getAsync(keyBytes, readOptions), true, stats);
            if (result == null) {
                return start;
            }
            if (config.load() && !result.found()) {
                stats.error(NOT_FOUND, true, "read of key '" + ClusterBenchConfig.keyName(key) + "' found no value,"
                        + " though every key was written before the warmup (unless that write failed: see the load errors)");
            } else {
                stats.read(completedNanos - start, result.found(), result.hasSiblings());
            }
            return start;
        }

        /**
         * Writes key {@code key} with the context of its last completed put, records the outcome in
         * {@code stats} and keeps the new context; returns when it was sent.
         */
        private long write(int key, OpStats stats) {
            byte[] keyBytes = keyBytes(key);
            long stamp = ((long) index << 40) ^ ++writes;
            for (int b = 0; b < Math.min(Long.BYTES, value.length); b++) {
                value[b] = (byte) (stamp >>> (8 * b));
            }
            Context last = lastContexts.get(key);
            long start = clock.nanoTime();
            // The client copies the value before putAsync returns, so the array is ours again at once.
            Context written = await(client.putAsync(keyBytes, value, last == null ? Context.empty() : last,
                    writeOptions), false, stats);
            if (written != null) {
                lastContexts.set(key, written);
                stats.write(completedNanos - start);
            }
            return start;
        }

        /**
         * Waits for one request; on success returns its result with {@link #completedNanos} set to
         * its completion, on failure counts the failure and returns null.
         */
        private <T> T await(CompletableFuture<T> sent, boolean read, OpStats stats) {
            long[] doneAt = new long[1];
            CompletableFuture<T> stamped = sent.whenComplete((r, e) -> doneAt[0] = clock.nanoTime());
            try {
                T result = stamped.get(backstopMs, TimeUnit.MILLISECONDS);
                completedNanos = doneAt[0];
                return result;
            } catch (ExecutionException | CompletionException e) {
                completedNanos = doneAt[0];
                Throwable cause = unwrap(e);
                stats.error(cause.getClass().getSimpleName(), read, cause.getMessage());
            } catch (TimeoutException e) {
                completedNanos = clock.nanoTime();
                stats.error(NO_ANSWER, read, (read ? "a get" : "a put") + " had not completed " + backstopMs
                        + " ms after it was sent, " + BACKSTOP_MARGIN_MS + " ms past its own timeout");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a request", e);
            }
            return null;
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
