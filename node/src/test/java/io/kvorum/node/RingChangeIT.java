package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.client.AdminClient;
import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.Settings;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.AdminMessages.MemberRow;
import io.kvorum.core.testing.Await;
import io.kvorum.storage.lsm.LsmOptions;
import io.kvorum.storage.lsm.LsmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Ring changes on real nodes while a client writes: a node joins and a founder decommissions with
 * no client error and no acknowledged write lost; then a node is killed and removed, and every key
 * is back on three replicas (checked in the stores themselves, after a clean stop).
 */
class RingChangeIT {
    private static final int KEYS = 10_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Grace covers the longest request timeout, as ring.change_grace_ms says it must. */
    private static final List<String> FLAGS = List.of("--ring.change_grace_ms=2000", "--request.max_timeout_ms=2000");

    private LocalCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Writes at QUORUM until stopped, remembering what was acknowledged and every error. */
    private static final class Writer implements Runnable {
        final KvorumClient client;
        final Map<String, String> acked;
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread = new Thread(this, "it-writer");

        Writer(KvorumClient client, Map<String, String> acked) {
            this.client = client;
            this.acked = acked;
        }

        @Override
        public void run() {
            for (int i = 0; !stop.get(); i++) {
                String key = "during-" + i;
                try {
                    client.put(key, "v" + i, Context.empty(), WriteOptions.quorum().timeout(TIMEOUT));
                    acked.put(key, "v" + i);
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
    }

    private static void writeAll(KvorumClient client, Map<String, String> acked) {
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "key-" + i;
            inFlight.acquireUninterruptibly();
            all.add(client.putAsync(key, "value-" + i, Context.empty(), WriteOptions.quorum().timeout(TIMEOUT))
                    .whenComplete((r, e) -> {
                        inFlight.release();
                        if (e == null) {
                            acked.put(key, "value-" + Integer.parseInt(key.substring(4)));
                        }
                    }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
    }

    private static void assertEveryAckedKeyReadsBack(KvorumClient client, Map<String, String> acked) {
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<?>> all = new ArrayList<>();
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        for (Map.Entry<String, String> e : acked.entrySet()) {
            inFlight.acquireUninterruptibly();
            all.add(client.getAsync(e.getKey(), ReadOptions.quorum().timeout(TIMEOUT)).whenComplete((r, error) -> {
                inFlight.release();
                if (error != null || !r.found() || !r.valueAsString().equals(e.getValue())) {
                    wrong.add(e.getKey() + " -> " + (error != null ? error.getMessage() : r));
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).exceptionally(x -> null).join();
        assertThat(wrong).as("acknowledged keys that do not read back at QUORUM").isEmpty();
    }

    private NodeId idOf(int node) {
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(node), TIMEOUT)) {
            return new NodeId(admin.status(TIMEOUT).node());
        }
    }

    @Test
    void joinAndDecommissionUnderWritesLoseNothingAndRemovenodeRestoresThreeReplicas() throws Exception {
        Path dir = Files.createTempDirectory("kvorum-ring-change-it-");
        cluster = LocalCluster.start(dir, 3, 41, 5, FLAGS);
        Map<String, String> acked = new ConcurrentHashMap<>();
        try (KvorumClient client = cluster.client()) {
            writeAll(client, acked);
            assertThat(acked).hasSize(KEYS);

            Writer writer = new Writer(client, acked);
            writer.thread.start();
            cluster.startNode(3);
            cluster.awaitReady(4);
            try (AdminClient admin = AdminClient.connect(cluster.clientAddress(1), TIMEOUT)) {
                assertThat(admin.decommission(Duration.ofMinutes(5))).contains("decommissioned");
            }
            cluster.awaitStopped(1, Duration.ofSeconds(60));
            cluster.awaitReady(3);
            writer.stop.set(true);
            writer.thread.join();
            assertThat(writer.errors).as("client errors while a node joined and another left").isEmpty();
            assertThat(acked.size()).as("writes acknowledged during the changes").isGreaterThan(KEYS);
            assertEveryAckedKeyReadsBack(client, acked);
        }

        cluster.startNode(4);
        cluster.awaitReady(4);
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(0), TIMEOUT)) {
            assertThat(admin.cleanup(Duration.ofMinutes(1))).as("node 1 hands ranges to the new node, then drops them")
                    .matches("cleaned up \\p{XDigit}+: dropped [1-9][0-9]* keys of ranges it no longer replicates");
        }
        NodeId victim = idOf(2);
        cluster.kill(2);
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(0), TIMEOUT)) {
            Await.until("node 3 is seen down", Duration.ofSeconds(10), () -> admin.status(TIMEOUT).members().stream()
                    .anyMatch(m -> m.nodeId() == victim.value() && !m.up()));
            assertThat(admin.removeNode(victim, Duration.ofMinutes(5))).contains("removed");
            List<MemberRow> members = admin.status(TIMEOUT).members();
            assertThat(members).filteredOn(m -> m.nodeId() == victim.value()).extracting(MemberRow::status)
                    .containsExactly("REMOVED");
        }
        try (KvorumClient client = cluster.client()) {
            assertEveryAckedKeyReadsBack(client, acked);
        }

        // The removed node started again on its old data directory learns it was removed, and stops.
        cluster.startNode(2);
        cluster.awaitStopped(2, Duration.ofSeconds(60));
        assertThat(cluster.exitValue(2)).isZero();
        assertThat(Files.readString(cluster.nodeDir(2).resolve("logs").resolve("console.out")))
                .contains("is REMOVED: it left or was removed");

        // Every key on three replicas: count holders in the stores themselves, after a clean stop
        // (reads would repair what they found missing and hide it).
        List<Integer> survivors = List.of(0, 3, 4);
        for (int node : survivors) {
            cluster.stop(node);
        }
        Map<String, Integer> holders = new ConcurrentHashMap<>();
        for (int node : survivors) {
            try (LsmStore store = LsmStore.open(cluster.nodeDir(node).resolve("data").resolve("storage"),
                    LsmOptions.from(Settings.empty()))) {
                for (String key : acked.keySet()) {
                    if (!store.read(Key.of(key)).isEmpty()) {
                        holders.merge(key, 1, Integer::sum);
                    }
                }
            }
        }
        List<String> underReplicated = acked.keySet().stream().filter(k -> holders.getOrDefault(k, 0) < 3).toList();
        assertThat(underReplicated).as("keys on fewer than 3 replicas after the removal").isEmpty();
    }
}
