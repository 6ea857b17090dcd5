package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.KvorumException;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Three real nodes, one of which dies: quorums survive it, ALL does not, and a restart keeps its data. */
class NodeFailureIT extends WithLocalCluster {

    @Test
    void quorumsSurviveAKilledNodeAllFailsFastAndARestartedNodeKeepsItsData() throws IOException {
        Path dir = Files.createTempDirectory("kvorum-failure-it-");
        cluster = LocalCluster.start(dir, 3, 31);
        try (KvorumClient client = cluster.client()) {
            for (int i = 0; i < 50; i++) {
                client.put("key-" + i, "value-" + i, Context.empty(), WriteOptions.all().durable());
            }

            cluster.kill(2); // kill -9

            client.put("after-kill", "quorum", Context.empty(), WriteOptions.quorum());
            assertThat(client.get("after-kill", ReadOptions.quorum()).valueAsString()).isEqualTo("quorum");
            for (int i = 0; i < 50; i++) {
                assertThat(client.get("key-" + i, ReadOptions.quorum()).valueAsString()).isEqualTo("value-" + i);
            }

            long timeoutMs = 10_000;
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.put("needs-all", "x", Context.empty(),
                    WriteOptions.all().timeout(Duration.ofMillis(timeoutMs))))
                    .isInstanceOf(KvorumException.class)
                    .satisfiesAnyOf(
                            e -> assertThat(e).isInstanceOf(UnavailableException.class),
                            e -> assertThat(e).isInstanceOf(RequestTimeoutException.class)
                                    .hasMessageContaining("may still have been applied"));
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("ALL fails on the refused connection, not at its timeout").isLessThan(Duration.ofMillis(timeoutMs));
            assertThatThrownBy(() -> client.get("key-0", ReadOptions.all().timeout(Duration.ofMillis(timeoutMs))))
                    .isInstanceOf(KvorumException.class);
        }

        // The killed node comes back with everything it acknowledged durably: ask it alone.
        cluster.startNode(2);
        cluster.awaitClientPort(2);
        cluster.stop(0);
        cluster.stop(1);
        try (KvorumClient only = KvorumClient.builder().seeds(cluster.clientAddress(2))
                .requestTimeout(Duration.ofSeconds(5)).build()) {
            for (int i = 0; i < 50; i++) {
                assertThat(only.get("key-" + i, ReadOptions.one()).valueAsString()).as("key-%d after restart", i)
                        .isEqualTo("value-" + i);
            }
        }
    }
}
