package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.client.AdminClient;
import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.client.cli.AdminCli;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.AdminMessages.HintRow;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.core.testing.Await;
import io.kvorum.ring.Ring;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 on four real node processes: a replica is killed (-9), 2,000 sloppy QUORUM writes go on
 * without it, the fallback holding most of its hints is killed and restarted, then the replica
 * returns. Hints alone must bring every acknowledged write into the returned replica's own store
 * (nothing reads the keys meanwhile, so read repair plays no part), and kvorum-admin hints must show
 * nothing pending. A replica away past the hint window gets no new hints, and their files stop growing.
 */
class HintedHandoffIT extends WithLocalCluster {
    private static final int KEYS = 2_000;
    private static final Duration DELIVERY_BOUND = Duration.ofSeconds(120);

    @Test
    void hintsBringEveryAcknowledgedWriteToAReturnedReplicaThroughAFallbackCrash() throws Exception {
        Path dir = Files.createTempDirectory("kvorum-hints-it-");
        cluster = LocalCluster.start(dir, 4, 81);
        int victim = 2;
        try (KvorumClient client = cluster.client()) {
            RingResponse ringView = client.fetchRing();
            Map<String, NodeId> idByHost = new HashMap<>();
            Map<NodeId, List<Long>> tokens = new HashMap<>();
            for (RingResponse.Member m : ringView.members()) {
                idByHost.put(m.host(), new NodeId(m.nodeId()));
                tokens.put(new NodeId(m.nodeId()), m.tokens());
            }
            Ring ring = Ring.of(tokens, Map.of());
            NodeId victimId = idByHost.get(cluster.host(victim));

            cluster.kill(victim);
            Await.until("node 1 sees node " + (victim + 1) + " down", Duration.ofSeconds(30), () -> {
                try (AdminClient admin = AdminClient.connect(cluster.clientAddress(0), Duration.ofSeconds(2))) {
                    return admin.status(Duration.ofSeconds(2)).members().stream()
                            .anyMatch(m -> m.nodeId() == victimId.value() && !m.up());
                }
            });

            List<String> victimKeys = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                String key = "hinted-" + i;
                client.put(key, "v" + i, Context.empty(), WriteOptions.quorum().sloppy(true));
                if (ring.preferenceList(Key.of(key), 3).contains(victimId)) {
                    victimKeys.add(key);
                }
            }
            assertThat(victimKeys).hasSizeGreaterThan(KEYS / 2);

            // The live node holding the most hints for the victim crashes and comes back with them.
            int fallback = -1;
            long most = -1;
            for (int i = 0; i < 4; i++) {
                if (i != victim) {
                    long pending = pendingFor(i, victimId);
                    if (pending > most) {
                        most = pending;
                        fallback = i;
                    }
                }
            }
            assertThat(most).as("hints held for the killed replica").isPositive();
            cluster.kill(fallback);
            cluster.startNode(fallback);
            cluster.awaitClientPort(fallback);
            assertThat(pendingFor(fallback, victimId)).as("hints survive kill -9 of their holder").isEqualTo(most);

            cluster.startNode(victim);
            cluster.awaitReady(4);
            long returned = System.nanoTime();
            Await.until("no hints pending for the returned replica", DELIVERY_BOUND, () -> {
                for (int i = 0; i < 4; i++) {
                    if (i != victim && pendingFor(i, victimId) > 0) {
                        return false;
                    }
                }
                return true;
            });
            System.out.printf("hinted handoff IT: %d keys of the returned replica, no hints pending %d ms after it"
                    + " was serving again%n", victimKeys.size(), (System.nanoTime() - returned) / 1_000_000);

            List<String> missing = new ArrayList<>();
            for (String key : victimKeys) {
                if (!client.getFromReplica(key, victimId, Duration.ofSeconds(5)).found()) {
                    missing.add(key);
                }
            }
            assertThat(missing).as("acknowledged writes missing on the returned replica's own store").isEmpty();

            String listed = admin(fallback, "hints");
            assertThat(listed).satisfiesAnyOf(out -> assertThat(out).contains("no hints held"),
                    out -> assertThat(out).contains("pending").contains(victimId.toString()));
            assertThat(admin(fallback, "hints", "pause", victimId.toString()))
                    .contains("paused delivery of hints to " + victimId);
            assertThat(admin(fallback, "hints", "frobnicate", victimId.toString())).contains("expected: pause, resume or truncate");
        }
    }

    @Test
    void aReplicaAwayPastTheHintWindowGetsNoNewHintsAndTheirDiskStaysBounded() throws Exception {
        Path dir = Files.createTempDirectory("kvorum-hints-window-it-");
        long windowMs = 4_000;
        cluster = LocalCluster.start(dir, 3, 81, 3, List.of("--hints.window_ms=" + windowMs + "ms",
                "--hints.segment_bytes=64KiB"));
        int victim = 2;
        try (KvorumClient client = KvorumClient.builder().seeds(List.of(cluster.clientAddress(0),
                cluster.clientAddress(1))).requestTimeout(Duration.ofSeconds(5)).build()) {
            NodeId victimId = null;
            for (RingResponse.Member m : client.fetchRing().members()) {
                victimId = m.host().equals(cluster.host(victim)) ? new NodeId(m.nodeId()) : victimId;
            }
            NodeId target = victimId;
            cluster.kill(victim);
            Await.until("node 1 sees node 3 down", Duration.ofSeconds(30), () -> {
                try (AdminClient admin = AdminClient.connect(cluster.clientAddress(0), Duration.ofSeconds(2))) {
                    return admin.status(Duration.ofSeconds(2)).members().stream()
                            .anyMatch(m -> m.nodeId() == target.value() && !m.up());
                }
            });

            // With three nodes and three replicas, every strict write's coordinator keeps a hint for node 3.
            for (int i = 0; i < 200; i++) {
                client.put("within-" + i, "v" + i, Context.empty(), WriteOptions.quorum());
            }
            long kept = pendingFor(0, target) + pendingFor(1, target);
            assertThat(kept).as("hints kept within the window").isGreaterThanOrEqualTo(200);
            assertThat(admin(0, "status")).contains("hints held here: " + pendingFor(0, target) + " hints");

            Await.until("the oldest hint for node 3 is older than the window", Duration.ofSeconds(30),
                    () -> oldestAgeMs(0, target) > windowMs && oldestAgeMs(1, target) > windowMs);
            long diskWithin = hintDisk(0) + hintDisk(1);
            for (int i = 0; i < 500; i++) {
                client.put("past-" + i, "v" + i, Context.empty(), WriteOptions.quorum());
            }
            assertThat(pendingFor(0, target) + pendingFor(1, target)).as("hints after the window passed")
                    .isEqualTo(kept);
            assertThat(droppedFor(0, target) + droppedFor(1, target)).as("hints dropped past the window")
                    .isGreaterThanOrEqualTo(500);
            assertThat(hintDisk(0) + hintDisk(1)).as("hint files once the window passed").isEqualTo(diskWithin);
            String listed = admin(0, "hints");
            assertThat(listed).contains(target.toString()).contains(Long.toString(droppedFor(0, target)));
            System.out.printf("hint window IT: %d hints kept within the window, %d dropped past it, hint files %d B"
                    + " before and after%n", kept, droppedFor(0, target) + droppedFor(1, target), diskWithin);

            cluster.startNode(victim);
            cluster.awaitReady(3);
            Await.until("the hints kept within the window delivered", DELIVERY_BOUND,
                    () -> pendingFor(0, target) + pendingFor(1, target) == 0);
            for (int i = 0; i < 200; i++) {
                assertThat(client.getFromReplica("within-" + i, target, Duration.ofSeconds(5)).found())
                        .as("within-%d on node 3", i).isTrue();
            }
            int reached = 0;
            for (int i = 0; i < 500; i++) {
                reached += client.getFromReplica("past-" + i, target, Duration.ofSeconds(5)).found() ? 1 : 0;
            }
            assertThat(reached).as("writes made past the window that reached node 3 (only repair brings them)")
                    .isZero();
        }
    }

    private long oldestAgeMs(int node, NodeId target) {
        return row(node, target).map(HintRow::oldestAgeMs).orElse(0L);
    }

    private long droppedFor(int node, NodeId target) {
        return row(node, target).map(HintRow::dropped).orElse(0L);
    }

    private Optional<HintRow> row(int node, NodeId target) {
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(node), Duration.ofSeconds(2))) {
            return admin.hints("list", null, Duration.ofSeconds(5)).rows().stream()
                    .filter(r -> r.target() == target.value()).findFirst();
        }
    }

    /** Bytes of every file under node {@code node}'s hint directory. */
    private long hintDisk(int node) throws IOException {
        try (Stream<Path> files = Files.walk(cluster.nodeDir(node).resolve("data").resolve("hints"))) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** Runs bin/kvorum-admin's code against node {@code node}; returns what it printed, out and err. */
    private String admin(int node, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--host", cluster.clientAddress(node)));
        all.addAll(List.of(args));
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            AdminCli.run(all.toArray(String[]::new), o, o, Map.of(), InputStream.nullInputStream());
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private long pendingFor(int node, NodeId target) {
        return row(node, target).map(HintRow::hints).orElse(0L);
    }
}
