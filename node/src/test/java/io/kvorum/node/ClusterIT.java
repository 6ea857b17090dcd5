package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.client.Context;
import io.kvorum.client.GetResult;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.Sockets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real three-node cluster, each node its own process, used the way a client uses it. */
class ClusterIT {
    private static Path dir;
    private static LocalCluster cluster;
    private KvorumClient client;

    @BeforeAll
    static void startCluster() throws IOException {
        dir = Files.createTempDirectory("kvorum-cluster-it-");
        cluster = LocalCluster.start(dir, 3, 21);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void connect() {
        client = cluster.client();
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @Test
    void aQuorumWriteIsReadBackAtQuorum() {
        client.put("greeting", "hello", Context.empty(), WriteOptions.quorum());
        assertThat(client.get("greeting", ReadOptions.quorum()).valueAsString()).isEqualTo("hello");
        for (String address : cluster.clientAddresses()) {
            try (KvorumClient one = KvorumClient.builder().seeds(address).build()) {
                assertThat(one.get("greeting", ReadOptions.all()).valueAsString()).as("via %s", address)
                        .isEqualTo("hello");
            }
        }
    }

    /** README.md's Java example, verbatim but for the addresses: it must compile and run. */
    @Test
    void theReadmeExampleRuns() {
        try (KvorumClient client = KvorumClient.connect(cluster.clientAddress(0), cluster.clientAddress(1))) {
            client.put("user:42", "Ada", Context.empty(), WriteOptions.quorum().durable());
            GetResult read = client.get("user:42", ReadOptions.r(2).n(3).timeout(Duration.ofMillis(500)));
            if (read.hasSiblings()) {          // writes that did not see each other: resolve them
                String merged = String.join(" | ", read.valuesAsStrings());
                client.put("user:42", merged, read.context(), WriteOptions.quorum());
            }
            client.delete("user:42", client.get("user:42").context());
            assertThat(read.valueAsString()).isEqualTo("Ada");
            assertThat(client.get("user:42", ReadOptions.all()).found()).isFalse();
        }
    }

    @Test
    void concurrentBlindWritesFromTwoClientsBecomeSiblingsAndTheReadContextResolvesThem() {
        try (KvorumClient other = cluster.client()) {
            var first = client.putAsync("cart", "apples");
            var second = other.putAsync("cart", "pears");
            first.join();
            second.join();
        }
        GetResult siblings = client.get("cart", ReadOptions.quorum());
        assertThat(siblings.valuesAsStrings()).containsExactlyInAnyOrder("apples", "pears");

        client.put("cart", "apples,pears", siblings.context(), WriteOptions.quorum());
        assertThat(client.get("cart", ReadOptions.all()).valuesAsStrings()).containsExactly("apples,pears");
    }

    @Test
    void aDeleteWithTheReadContextLeavesTheKeyNotFound() {
        client.put("doomed", "x", Context.empty(), WriteOptions.all());
        GetResult read = client.get("doomed", ReadOptions.quorum());
        client.delete("doomed", read.context(), WriteOptions.quorum());
        GetResult after = client.get("doomed", ReadOptions.all());
        assertThat(after.found()).isFalse();
        assertThat(after.context().isEmpty()).as("the tombstone's context is kept").isFalse();
    }

    @Test
    void oversizedKeysAndValuesAreRefusedWithTheLimitNamedAndTheNodeKeepsServing() {
        assertThatThrownBy(() -> client.put("k".repeat(9000), "v"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("storage.max_key_bytes");
        assertThatThrownBy(() -> client.put("big", new byte[5 << 20]))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("storage.max_value_bytes");
        client.put("after-refusal", "fine");
        assertThat(client.get("after-refusal").valueAsString()).isEqualTo("fine");
    }

    @Test
    void garbageOnEitherPortClosesThatConnectionAndTheNodeKeepsServing() throws IOException {
        Random random = new Random(7);
        for (int port : List.of(LocalCluster.CLIENT_PORT, LocalCluster.INTERNODE_PORT)) {
            for (byte[] garbage : List.of("GET / HTTP/1.1\r\n\r\n".getBytes(), randomBytes(random, 4096),
                    new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 1})) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(cluster.host(0), port), 2000);
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write(garbage);
                    out.flush();
                    assertThat(Sockets.readUntilClosed(s.getInputStream())).as("port %d closes the connection", port)
                            .isTrue();
                }
            }
        }
        client.put("after-garbage", "still serving");
        assertThat(client.get("after-garbage", ReadOptions.all()).valueAsString()).isEqualTo("still serving");
    }

    @Test
    void aReplicaLocalReadReturnsThatReplicasOwnRecords() {
        client.put("per-replica", "everywhere", io.kvorum.client.Context.empty(), WriteOptions.all());
        var members = client.fetchRing().members();
        assertThat(members).hasSize(3);
        for (var m : members) {
            var held = client.getFromReplica("per-replica", new io.kvorum.core.NodeId(m.nodeId()), Duration.ofSeconds(5));
            assertThat(held.valueAsString()).as("on %s", m.host()).isEqualTo("everywhere");
        }
        try (var admin = io.kvorum.client.AdminClient.connect(cluster.clientAddress(1), Duration.ofSeconds(2))) {
            assertThat(admin.getFromReplica("per-replica", new io.kvorum.core.NodeId(members.get(0).nodeId()),
                    Duration.ofSeconds(5)).valueAsString()).isEqualTo("everywhere");
        }
        var none = client.getFromReplica("never-written", new io.kvorum.core.NodeId(members.get(0).nodeId()),
                Duration.ofSeconds(5));
        assertThat(none.found()).isFalse();
        assertThatThrownBy(() -> client.getFromReplica("per-replica", new io.kvorum.core.NodeId(42),
                Duration.ofSeconds(2))).isInstanceOf(io.kvorum.core.KvorumException.class);
    }

    @Test
    void aNodeGivenAnUnknownSettingRefusesToStartAndSaysWhy() throws Exception {
        Path logs = dir.resolve("bad-config");
        Files.createDirectories(logs);
        List<String> cmd = cluster.command(0, List.of("--node.clinet_port=1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve("out").toFile()).start();
        Await.until("the misconfigured node exits", Duration.ofSeconds(60), () -> !p.isAlive());
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(logs.resolve("out")))
                .contains("unknown setting 'node.clinet_port'; did you mean node.client_port?");
    }

    @Test
    void aSecondNodeOnARunningNodesDataDirectoryIsRefused() throws Exception {
        Path logs = dir.resolve("second-start");
        Files.createDirectories(logs);
        List<String> cmd = cluster.command(0, List.of("--node.internode_port=17199", "--node.client_port=19199"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve("out").toFile()).start();
        Await.until("the second node exits", Duration.ofSeconds(60), () -> !p.isAlive());
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(logs.resolve("out"))).contains("is in use by another store");
        client.put("first-node-unharmed", "yes");
        assertThat(client.get("first-node-unharmed", ReadOptions.all()).valueAsString()).isEqualTo("yes");
    }


    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
