package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.client.AdminClient;
import io.kvorum.client.Context;
import io.kvorum.client.GetResult;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.NodeId;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.AdminMessages.HintRow;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.core.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's measurements, side by side in one run on three real node processes (replication factor
 * 3, default hint settings): 10,000 strict QUORUM writes of 4 KiB values are made while node 3 is
 * killed, so its peers keep a hint for each; node 3 returns with their delivery paused and warms up. A
 * foreground QUORUM load (get, then put with its context, of 1,000 other keys, four clients) runs
 * before and after node 3 is away. Its latencies are taken over a window with node 3 up and no
 * replay, during the replay once delivery resumes, and over a window with no replay after it; then
 * the replay rate and the time from the resume to zero pending. It checks that every hinted write reached node 3's own store; the figures it prints are
 * the measurement, not bounds (a bound would measure the machine).
 *
 * <p>Run with {@code ./mvnw -B -Pmeasure -pl node -am verify}, adding
 * {@code -Dkvorum.measure.hint_pace=4MiB} to replay at another pace; not part of the default build.
 */
class HintReplayMeasure extends WithLocalCluster {
    private static final int HINTED_WRITES = 10_000;
    private static final int VALUE_BYTES = 4 * 1024;
    private static final int FOREGROUND_CLIENTS = 4;
    private static final int FOREGROUND_KEYS = 1_000;
    private static final Duration QUIET_WINDOW = Duration.ofSeconds(10);
    private static final Duration WARM_UP = Duration.ofSeconds(15);

    @Test
    void hintReplayRateAndItsCostToForegroundRequests() throws Exception {
        Path dir = Files.createTempDirectory("kvorum-hint-replay-");
        String pace = System.getProperty("kvorum.measure.hint_pace", "");
        cluster = LocalCluster.start(dir, 3, 91, 3, pace.isEmpty() ? List.of()
                : List.of("--hints.delivery_bytes_per_second=" + pace));
        int victim = 2;
        NodeId victimId;
        try (KvorumClient client = cluster.client()) {
            victimId = idOf(client.fetchRing(), cluster.host(victim));
        }
        Foreground foreground = new Foreground(List.of(cluster.clientAddress(0), cluster.clientAddress(1)));
        try {
            foreground.start();
            // Only the 10,000 writes below are hinted: the foreground holds while node 3 is down.
            foreground.hold(true);
            cluster.kill(victim);
            Await.until("node 1 sees node 3 down", Duration.ofSeconds(30), () -> !isUp(0, victimId));

            byte[] value = new byte[VALUE_BYTES];
            ThreadLocalRandom.current().nextBytes(value);
            try (KvorumClient writer = KvorumClient.builder().seeds(List.of(cluster.clientAddress(0),
                    cluster.clientAddress(1))).requestTimeout(Duration.ofSeconds(10)).build()) {
                for (int i = 0; i < HINTED_WRITES; i++) {
                    writer.put(("hinted-" + i).getBytes(), value, Context.empty(), WriteOptions.quorum());
                }
            }
            assertThat(pending(victimId)).as("hints kept for node 3").isGreaterThanOrEqualTo(HINTED_WRITES);
            for (int holder = 0; holder < 2; holder++) {
                hints(holder, "pause", victimId);
            }

            cluster.startNode(victim);
            cluster.awaitReady(3);
            foreground.hold(false);
            // The restarted process compiles its hot paths first; that is not the replay's cost.
            foreground.measure(WARM_UP);
            Histogram before = foreground.measure(QUIET_WINDOW);
            assertThat(rows(victimId).stream().mapToLong(HintRow::delivered).sum()).as("hints delivered while paused")
                    .isZero();

            long pending = pending(victimId);
            long hintBytes = hintBytes(victimId);
            foreground.beginWindow();
            long replayStart = System.nanoTime();
            for (int holder = 0; holder < 2; holder++) {
                hints(holder, "resume", victimId);
            }
            Await.until("every hint for node 3 delivered", Duration.ofMinutes(5), () -> pending(victimId) == 0);
            long replayNanos = System.nanoTime() - replayStart;
            Histogram during = foreground.endWindow();
            Histogram after = foreground.measure(QUIET_WINDOW);
            foreground.stop();

            try (KvorumClient reader = cluster.client()) {
                for (int i = 0; i < HINTED_WRITES; i += 97) {
                    assertThat(reader.getFromReplica("hinted-" + i, victimId, Duration.ofSeconds(5)).found())
                            .as("hinted-%d on node 3", i).isTrue();
                }
            }
            assertThat(foreground.failures()).as("failed foreground requests").isZero();

            double seconds = replayNanos / 1e9;
            System.out.printf(Locale.ROOT, "hint replay: %d hints (%.1f MiB as stored) for node 3 delivered in %.2f s"
                            + " at %s per holder: %.0f hints/s, %.2f MiB/s%n", pending, hintBytes / 1048576.0,
                    seconds, pace.isEmpty() ? "the default pace" : pace, pending / seconds, hintBytes / 1048576.0 / seconds);
            System.out.printf(Locale.ROOT, "foreground QUORUM gets and puts, %d clients: %s%n", FOREGROUND_CLIENTS,
                    String.join("; ", line("no replay, before", before), line("during replay", during),
                            line("no replay, after", after)));
            System.out.printf(Locale.ROOT, "p99 during replay / p99 without: %.2f (before), %.2f (after)%n",
                    p99(during) / p99(before), p99(during) / p99(after));
        } finally {
            foreground.stop();
        }
    }

    private static String line(String name, Histogram h) {
        return String.format(Locale.ROOT, "%s %d ops, p50 %.2f ms, p99 %.2f ms, max %.2f ms", name, h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6, p99(h), h.getMaxValue() / 1e6);
    }

    private static double p99(Histogram h) {
        return h.getValueAtPercentile(99) / 1e6;
    }

    private static NodeId idOf(RingResponse ring, String host) {
        return ring.members().stream().filter(m -> m.host().equals(host)).map(m -> new NodeId(m.nodeId()))
                .findFirst().orElseThrow();
    }

    private boolean isUp(int node, NodeId target) {
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(node), Duration.ofSeconds(2))) {
            return admin.status(Duration.ofSeconds(2)).members().stream()
                    .anyMatch(m -> m.nodeId() == target.value() && m.up());
        }
    }

    private long pending(NodeId target) {
        return rows(target).stream().mapToLong(HintRow::hints).sum();
    }

    private long hintBytes(NodeId target) {
        return rows(target).stream().mapToLong(HintRow::bytes).sum();
    }

    /** The rows for {@code target} on nodes 1 and 2, which hold its hints. */
    private List<HintRow> rows(NodeId target) {
        List<HintRow> rows = new ArrayList<>();
        for (int node = 0; node < 2; node++) {
            rows.addAll(hints(node, "list", null).stream().filter(r -> r.target() == target.value()).toList());
        }
        return rows;
    }

    private List<HintRow> hints(int node, String action, NodeId target) {
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(node), Duration.ofSeconds(2))) {
            return admin.hints(action, target, Duration.ofSeconds(5)).rows();
        }
    }

    /**
     * Clients that read a foreground key at QUORUM and write it back with the read's context (so no
     * siblings pile up) until stopped, recording each request's latency into the current window.
     */
    private static final class Foreground {
        private final List<String> seeds;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private volatile boolean holding;
        private final AtomicReference<ConcurrentHistogram> window = new AtomicReference<>(newHistogram());
        private final AtomicLong failures = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();

        Foreground(List<String> seeds) {
            this.seeds = seeds;
        }

        void start() {
            for (int i = 0; i < FOREGROUND_CLIENTS; i++) {
                Thread t = new Thread(this::run, "foreground-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private void run() {
            try (KvorumClient client = KvorumClient.builder().seeds(seeds).requestTimeout(Duration.ofSeconds(5))
                    .build()) {
                byte[] value = new byte[100];
                while (running.get()) {
                    if (holding) {
                        LockSupport.parkNanos(1_000_000);
                        continue;
                    }
                    String key = "foreground-" + ThreadLocalRandom.current().nextInt(FOREGROUND_KEYS);
                    try {
                        long start = System.nanoTime();
                        GetResult read = client.get(key, ReadOptions.quorum());
                        long readDone = System.nanoTime();
                        window.get().recordValue(readDone - start);
                        client.put(key, value, read.context(), WriteOptions.quorum());
                        window.get().recordValue(System.nanoTime() - readDone);
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            }
        }

        /** Records for {@code length} into a new window and returns it. */
        Histogram measure(Duration length) throws InterruptedException {
            beginWindow();
            Thread.sleep(length.toMillis()); // a measurement window, not a wait for a condition
            return endWindow();
        }

        /** Stops sending new requests while {@code hold}; requests under way complete. */
        void hold(boolean hold) {
            holding = hold;
        }

        void beginWindow() {
            window.set(newHistogram());
        }

        Histogram endWindow() {
            return window.getAndSet(newHistogram()).copy();
        }

        long failures() {
            return failures.get();
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }

        private static ConcurrentHistogram newHistogram() {
            return new ConcurrentHistogram(3);
        }
    }
}
