package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.CoordinatorOptions;
import io.kvorum.core.Causality;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.TooManySiblingsException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A loop of blind writes to one key (issue 9): past {@code request.max_siblings_per_key} each is
 * refused with an error naming the key, nothing of it is stored, other keys are untouched, and a
 * write with a read's context resolves the key again.
 */
class BlindWriteFloodTest {
    private static final int FLOOD = 10_000;

    @Test
    void blindWritesPastTheSiblingLimitAreRefusedAndStoreNothing() {
        SimCluster c = SimCluster.start(9, 3, 3, 16);
        int limit = CoordinatorOptions.MAX_SIBLINGS.defaultValue();
        Key hot = Key.of("hot");
        List<NodeId> replicas = c.replicas(hot, 3);
        SimNode coordinator = c.node(replicas.get(0));
        WriteOptions w = WriteOptions.quorum();

        int accepted = 0;
        int refused = 0;
        String firstRefusal = null;
        for (int i = 0; i < FLOOD; i++) {
            SimCluster.Outcome<PutResponse> put = c.await(coordinator.coordinator().put(
                    PutRequest.of(hot, ("v" + i).getBytes(StandardCharsets.UTF_8), null, w)), 5_000);
            if (put.ok()) {
                accepted++;
            } else {
                assertThat(put.error()).isInstanceOf(TooManySiblingsException.class);
                refused++;
                if (firstRefusal == null) {
                    firstRefusal = put.error().getMessage();
                }
            }
            // Other keys keep being written and read while the flood goes on.
            if (i % 500 == 0) {
                Key other = Key.of("other-" + i);
                assertThat(c.await(coordinator.coordinator().put(PutRequest.of(other, new byte[] {1}, null, w)), 5_000)
                        .ok()).isTrue();
            }
        }
        assertThat(accepted).isEqualTo(limit);
        assertThat(refused).isEqualTo(FLOOD - limit);
        assertThat(firstRefusal).contains("hot").contains(CoordinatorOptions.MAX_SIBLINGS.key())
                .contains("resolve");
        c.loop().runFor(2_000);
        for (NodeId replica : replicas) {
            assertThat(Causality.resolve(c.node(replica).store().read(hot))).as("replica %s", replica).hasSize(limit);
        }

        SimCluster.Outcome<GetResponse> read = c.await(coordinator.coordinator().get(
                GetRequest.of(hot, ReadOptions.quorum())), 5_000);
        assertThat(read.value().records()).hasSize(limit);
        byte[] context = ContextCodec.encode(Causality.join(read.value().records()));
        assertThat(c.await(coordinator.coordinator().put(PutRequest.of(hot, "merged".getBytes(StandardCharsets.UTF_8),
                context, w)), 5_000).ok()).isTrue();
        c.loop().runFor(2_000);
        for (NodeId replica : replicas) {
            assertThat(Causality.resolve(c.node(replica).store().read(hot))).as("replica %s", replica).hasSize(1);
        }
    }
}
