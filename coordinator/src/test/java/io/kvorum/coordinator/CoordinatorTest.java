package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.coordinator.SimNodes.SimNode;
import io.kvorum.core.Consistency;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.storage.RecordLimits;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The facade: its options, the checks a request passes first, and a round trip. */
class CoordinatorTest {

    @Test
    void optionsShowTheBadValue() {
        RecordLimits limits = RecordLimits.defaults();
        assertThatThrownBy(() -> new CoordinatorOptions(0, limits, 1000, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("replication factor: 0 (expected: > 0)");
        assertThatThrownBy(() -> new CoordinatorOptions(3, limits, 0, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("max timeout ms: 0 (expected: > 0)");
        assertThatThrownBy(() -> new CoordinatorOptions(3, limits, 1000, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("request.max_siblings_per_key");
        assertThatThrownBy(() -> new CoordinatorOptions(3, null, 1000, 100)).isInstanceOf(NullPointerException.class);
        assertThat(CoordinatorOptions.of(3, limits, 1000).maxSiblings()).isEqualTo(100);
    }

    @Test
    void aTimeoutLongerThanTheNodeAllowsIsAnInvalidRequest() {
        SimNodes sim = SimNodes.start(31, 3, 3);
        long tooLong = SimNodes.MAX_TIMEOUT_MS + 1;

        Throwable error = sim.failure(sim.node(0).coordinator.put(SimNodes.put(Key.of("k"), "v",
                SimNodes.w(Consistency.ONE, tooLong))));

        assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessage("timeout 60001 ms (expected: at most"
                + " 60000 ms, this node's request.max_timeout_ms: a request must not outlive a ring change's grace)");
    }

    @Test
    void anEmptyKeyOrTooLargeAnNAreInvalidRequests() {
        SimNodes sim = SimNodes.start(32, 3, 3);
        Coordinator coordinator = sim.node(0).coordinator;

        assertThat(sim.failure(coordinator.get(SimNodes.get(Key.of(new byte[0]),
                SimNodes.r(Consistency.ONE, 100))))).isInstanceOf(InvalidRequestException.class)
                .hasMessage("key is empty (expected: 1 to 8192 bytes)");
        assertThat(sim.failure(coordinator.put(SimNodes.put(Key.of("k"), "v",
                SimNodes.w(Consistency.ONE, 100).n(4))))).isInstanceOf(InvalidRequestException.class)
                .hasMessage("write n: 4 (expected: <= the replication factor 3)");
        assertThat(sim.network.delivered()).isZero();
    }

    @Test
    void aWriteThenAReadWithItsContextSupersedesIt() {
        SimNodes sim = SimNodes.start(33, 3, 3);
        SimNode a = sim.node(0);
        SimNode b = sim.node(1);
        Key key = Key.of("k");

        PutResponse first = sim.await(a.coordinator.put(SimNodes.put(key, "one",
                SimNodes.w(Consistency.QUORUM, 200))));
        sim.await(b.coordinator.put(PutRequest.of(key, "two".getBytes(StandardCharsets.UTF_8), first.context(),
                SimNodes.w(Consistency.QUORUM, 200))));

        assertThat(SimNodes.valueOf(sim.await(sim.node(2).coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.QUORUM, 200)))))).isEqualTo("two");
        assertThat(a.coordinator.replicationFactor()).isEqualTo(3);
    }
}
