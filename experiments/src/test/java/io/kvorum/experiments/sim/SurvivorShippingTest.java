package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.PutRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md: "Keep a test that fails if this step is removed." A coordinator ships its surviving
 * local records with each new one, so no replica ever holds an actor's later dot without the
 * earlier live records of that actor for the key. Without the step, a replica that missed the
 * first write gets only the second, and a reader there would receive a context that covers a
 * record it never saw.
 */
class SurvivorShippingTest {

    @Test
    void aReplicaThatMissedAnEarlierConcurrentWriteReceivesItWithTheNextOne() {
        SimCluster c = SimCluster.start(42, 3, 3, 16);
        Key key = Key.of("k");
        List<NodeId> replicas = c.replicas(key, 3);
        SimNode coordinator = c.node(replicas.get(0));
        NodeId missed = replicas.get(2);
        WriteOptions w2 = WriteOptions.w(2).timeout(Duration.ofMillis(500));

        c.network().cut(coordinator.id(), missed);
        assertThat(c.await(coordinator.coordinator().put(PutRequest.of(key, "first".getBytes(), null, w2)), 5_000).ok())
                .isTrue();
        c.network().healAll();
        c.loop().runFor(2_000);
        assertThat(c.node(missed).store().read(key)).isEmpty();

        // A blind write: concurrent with the first, so both stay live.
        assertThat(c.await(coordinator.coordinator().put(PutRequest.of(key, "second".getBytes(), null, w2)), 5_000).ok())
                .isTrue();
        c.loop().runFor(2_000);

        for (NodeId replica : replicas) {
            List<Record> held = c.node(replica).store().read(key);
            assertThat(held).as("replica %s", replica).hasSize(2);
        }
    }
}
