package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.client.AdminClient;
import io.kvorum.core.protocol.AdminMessages.MemberRow;
import io.kvorum.core.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, finding 7: a node still running from an earlier cluster, with that cluster's name and
 * seeds, must not get into a new cluster's gossip and fill its ring with members of the old one.
 * What keeps it out is the cluster's own secret (bin/kvorum-cluster makes one per cluster
 * directory, as LocalCluster does per test cluster): its handshakes fail, and the new cluster's
 * members never learn of it.
 */
class ClusterIdentityIT extends WithLocalCluster {

    @Test
    void aNodeOfAnEarlierClusterWithAnotherSecretStaysOut() throws Exception {
        Path dir = Files.createTempDirectory("kvorum-identity-it-");
        cluster = LocalCluster.start(dir, 3, 71, 4, List.of());
        // Same cluster name, same seeds, its own earlier cluster's secret.
        cluster.startNode(3, List.of("--cluster.secret=an-earlier-clusters-secret-0123456789"));

        // It gossips to a random seed each round: once a seed has refused it, it has tried for a while.
        Await.until("a member refuses the stranger's handshake", Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 3; i++) {
                if (cluster.consoleLines(i).stream().anyMatch(l -> l.contains("proof does not match"))) {
                    return true;
                }
            }
            return false;
        });
        for (int i = 0; i < 3; i++) {
            try (AdminClient admin = AdminClient.connect(cluster.clientAddress(i), Duration.ofSeconds(5))) {
                List<MemberRow> members = admin.status(Duration.ofSeconds(5)).members();
                assertThat(members).as("node %d's members", i + 1).hasSize(3)
                        .noneMatch(m -> m.address().startsWith("127.0.0.74"));
            }
        }
        assertThat(cluster.isRunning(3)).as("the stranger keeps looking for its cluster").isTrue();
        assertThat(cluster.consoleLines(3)).as("the stranger never joined").noneMatch(l -> l.contains("Joined: NORMAL"));
    }
}
