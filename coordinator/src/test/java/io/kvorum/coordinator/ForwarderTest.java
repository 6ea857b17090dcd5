package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.CoordinatorMessages.CoordinatePut;
import io.kvorum.coordinator.SimNodes.SimNode;
import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.protocol.PutResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request at a node that is not a replica of its key: handed to the first replica that is up, on
 * to the next only when that one refuses the connection, and never forwarded a second time.
 */
class ForwarderTest {
    private static final int N = 2;
    private static final long TIMEOUT_MS = 200;

    /** Four nodes at N = 2, and a key that node 0 does not replicate. */
    private static final class Setup {
        final SimNodes sim = SimNodes.start(11, 4, N);
        final SimNode entry = sim.node(0);
        final Key key = sim.keyWhere(N, replicas -> !replicas.contains(sim.node(0).id));
        final List<SimNode> replicas = sim.nodes(sim.replicas(key, N));
    }

    @Test
    void aWriteGoesToTheFirstUpReplicaWhichCoordinatesIt() {
        Setup s = new Setup();

        s.sim.await(s.entry.coordinator.put(SimNodes.put(s.key, "v", SimNodes.w(Consistency.ALL, TIMEOUT_MS))));

        assertThat(s.entry.stats().forwarded.sum()).isEqualTo(1);
        assertThat(s.entry.stats().writes.sum()).as("writes coordinated by the entry node").isZero();
        assertThat(s.replicas.get(0).stats().writes.sum()).isEqualTo(1);
        assertThat(s.replicas.get(1).stats().writes.sum()).isZero();
        assertThat(s.entry.store.applies()).isEmpty();
    }

    @Test
    void aReplicaBelievedDownIsPassedOver() {
        Setup s = new Setup();
        s.sim.membership.setUp(s.replicas.get(0).id, false);

        s.sim.await(s.entry.coordinator.put(SimNodes.put(s.key, "v", SimNodes.w(Consistency.ONE, TIMEOUT_MS))));

        assertThat(s.replicas.get(1).stats().writes.sum()).isEqualTo(1);
    }

    @Test
    void aRefusedConnectionMovesOnToTheNextReplica() {
        Setup s = new Setup();
        s.sim.network.kill(s.replicas.get(0).id); // believed up, but gone

        s.sim.await(s.entry.coordinator.put(SimNodes.put(s.key, "v", SimNodes.w(Consistency.ONE, TIMEOUT_MS))));

        assertThat(s.replicas.get(1).stats().writes.sum()).isEqualTo(1);
        assertThat(s.entry.stats().forwarded.sum()).isEqualTo(1);
    }

    @Test
    void aTimeoutIsTheAnswerNotARetryElsewhere() {
        Setup s = new Setup();
        s.sim.network.cut(s.entry.id, s.replicas.get(0).id); // the request may be running there

        Throwable error = s.sim.failure(s.entry.coordinator.put(SimNodes.put(s.key, "v",
                SimNodes.w(Consistency.ONE, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(RequestTimeoutException.class);
        assertThat(s.replicas.get(1).stats().writes.sum()).isZero();
    }

    @Test
    void aForwardedRequestIsNeverForwardedAgain() {
        Setup s = new Setup();
        SimNode otherNonReplica = s.sim.nodes.stream()
                .filter(n -> n != s.entry && !s.replicas.contains(n)).findFirst().orElseThrow();

        Throwable error = s.sim.failure(s.entry.bus.request(otherNonReplica.id, new CoordinatePut(
                SimNodes.put(s.key, "v", SimNodes.w(Consistency.ONE, TIMEOUT_MS))), PutResponse.class, TIMEOUT_MS));

        assertThat(error).isInstanceOf(UnavailableException.class).hasMessage("write forwarded to "
                + otherNonReplica.id + ", which is not a replica of its key in this node's ring needs 1 replicas up"
                + " but only 0 are; nothing was sent");
        assertThat(otherNonReplica.stats().forwarded.sum()).isZero();
        for (SimNode replica : s.replicas) {
            assertThat(replica.stats().writes.sum()).isZero();
        }
    }

    @Test
    void withNoReplicaUpNothingIsForwarded() {
        Setup s = new Setup();
        for (SimNode replica : s.replicas) {
            s.sim.membership.setUp(replica.id, false);
        }

        Throwable error = s.sim.failure(s.entry.coordinator.get(SimNodes.get(s.key,
                SimNodes.r(Consistency.ONE, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(UnavailableException.class)
                .hasMessageStartingWith("read needs a replica of its key to coordinate it");
        assertThat(s.entry.stats().unavailable.sum()).isEqualTo(1);
        assertThat(s.sim.network.delivered() + s.sim.network.dropped()).isZero();
    }

    @Test
    void aReadIsForwardedAndAnsweredByAReplica() {
        Setup s = new Setup();
        s.sim.await(s.replicas.get(0).coordinator.put(SimNodes.put(s.key, "v",
                SimNodes.w(Consistency.ALL, TIMEOUT_MS))));

        String value = SimNodes.valueOf(s.sim.await(s.entry.coordinator.get(SimNodes.get(s.key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS)))));

        assertThat(value).isEqualTo("v");
        assertThat(s.replicas.get(0).stats().reads.sum()).isEqualTo(1);
    }
}
