package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.kvorum.client.AdminClient;
import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.client.cli.AdminCli;
import io.kvorum.core.KvorumException;
import io.kvorum.core.NodeId;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.AdminMessages.MemberRow;
import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.Tmpfs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes, the third keeping its data on a 24 MiB tmpfs that the test fills: the node
 * starts with commit-log segments fitted to the small volume, logs the full disk once, refuses the
 * writes that need space with the reason (so quorums go on and ALL fails naming it), every node's
 * {@code kvorum-admin status} shows it, and once space is freed the node recovers by itself.
 * Loopback 127.0.0.51-53. Skipped where a tmpfs cannot be mounted (not root).
 */
class StorageFailureIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final byte[] VALUE = new byte[4096];

    private LocalCluster cluster;
    private Tmpfs volume;

    @AfterEach
    void stop() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (volume != null) {
                volume.close();
            }
        }
    }

    @Test
    void aFullDiskIsLoggedOnceShownInEveryNodesStatusRefusedWithTheReasonAndRecoveredFrom() throws IOException {
        Optional<Tmpfs> mounted = Tmpfs.mount("24m");
        assumeThat(mounted).as("a tmpfs can be mounted here (needs root)").isPresent();
        volume = mounted.get();
        Path dir = Files.createTempDirectory("kvorum-storage-it-");
        // The third node's data directory is the small volume (a link, so the cluster's cleanup leaves the mount).
        Files.createDirectories(dir.resolve("node-3"));
        Files.createSymbolicLink(dir.resolve("node-3").resolve("data"), volume.dir());
        cluster = LocalCluster.start(dir, 3, 51);
        Path nodeLog = cluster.nodeDir(2).resolve("logs").resolve("node-3.log");
        NodeId full = nodeId(2);
        assertThat(logLines(nodeLog, "storage.commitlog_segment_bytes is 32.0 MiB")).as("segments fitted").hasSize(1);

        Path filler = volume.dir().resolve("filler");
        volume.fill(filler, 0);
        try (KvorumClient client = cluster.client()) {
            // Fill what the third node's log had preallocated: then it needs space and finds none.
            KvorumException refused = null;
            for (int i = 0; i < 5000 && refused == null; i++) {
                try {
                    client.put("key-" + i, VALUE, Context.empty(), WriteOptions.all().timeout(TIMEOUT));
                } catch (KvorumException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("a write at ALL once the third node is full").isNotNull();
            assertThat(refused.getMessage()).contains(full.toString()).containsAnyOf("disk is full",
                    "No space left on device", "for want of space");
            client.put("quorum-while-full", VALUE, Context.empty(), WriteOptions.quorum().timeout(TIMEOUT));

            for (int observer = 0; observer < 3; observer++) {
                int o = observer;
                Await.until("node " + (o + 1) + " shows node 3's full disk", Duration.ofSeconds(30),
                        () -> storageOf(o, full).startsWith("disk full: "));
            }
            String shown = adminStatus(0);
            assertThat(shown).containsPattern("storage of " + full + " \\(" + cluster.host(2).replace(".", "\\.")
                    + ":\\d+\\): disk full: \\S+ \\S*B free in \\S+ since \\d\\d:\\d\\d:\\d\\d");
            assertThat(logLines(nodeLog, "Disk full:")).as("one line for the episode").hasSize(1);

            Files.delete(filler);
            for (int observer = 0; observer < 3; observer++) {
                int o = observer;
                Await.until("node " + (o + 1) + " shows node 3 healthy again", Duration.ofSeconds(60),
                        () -> storageOf(o, full).isEmpty());
            }
            client.put("after", VALUE, Context.empty(), WriteOptions.all().timeout(TIMEOUT));
            assertThat(client.get("after", ReadOptions.all().timeout(TIMEOUT)).found()).isTrue();
            assertThat(client.get("quorum-while-full", ReadOptions.all().timeout(TIMEOUT)).found()).isTrue();
            assertThat(adminStatus(1)).doesNotContain("storage of");
            assertThat(logLines(nodeLog, "Disk full:")).hasSize(1);
            assertThat(logLines(nodeLog, "Disk space again")).hasSize(1);
        }
    }

    private NodeId nodeId(int node) {
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(node), TIMEOUT)) {
            return new NodeId(admin.status(TIMEOUT).node());
        }
    }

    /** Node {@code member}'s storage line as node {@code observer} shows it. */
    private String storageOf(int observer, NodeId member) {
        try (AdminClient admin = AdminClient.connect(cluster.clientAddress(observer), TIMEOUT)) {
            List<MemberRow> rows = admin.status(TIMEOUT).members();
            return rows.stream().filter(m -> m.nodeId() == member.value()).map(MemberRow::storage).findFirst()
                    .orElse("?");
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /** What {@code kvorum-admin status} prints, asked of node {@code node}. */
    private String adminStatus(int node) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            int code = AdminCli.run(new String[] {"--host", cluster.clientAddress(node), "status"}, o, e);
            assertThat(code).as("kvorum-admin status: %s", err).isZero();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static List<String> logLines(Path log, String text) throws IOException {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(l -> l.contains(text)).toList();
        }
    }
}
