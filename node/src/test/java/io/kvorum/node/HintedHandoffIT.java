package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.client.AdminClient;
import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.AdminMessages.HintRow;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.core.testing.Await;
import io.kvorum.ring.Ring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 on four real node processes: a replica is killed (-9), 2,000 sloppy QUORUM writes go on
 * without it, the fallback holding most of its hints is killed and restarted, then the replica
 * returns. Hints alone must bring every acknowledged write into the returned replica's own store
 * (nothing reads the keys meanwhile, so read repair plays no part), and kvorum-admin hints must show
 * nothing pending.
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

    /** Runs bin/kvorum-admin's code against node {@code node}; returns what it printed, out and err. */
    private String admin(int node, String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--host", cluster.clientAddress(node)));
        all.addAll(List.of(args));
        try (java.io.PrintStream o = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8)) {
            io.kvorum.client.cli.AdminCli.run(all.toArray(String[]::new), o, o, Map.of(), java.io.InputStream.nullInputStream());
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private long pendingFor(int node, NodeId target) {
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(node), Duration.ofSeconds(2))) {
            return admin.hints("list", null, Duration.ofSeconds(5)).rows().stream()
                    .filter(r -> r.target() == target.value()).mapToLong(HintRow::hints).sum();
        }
    }
}
