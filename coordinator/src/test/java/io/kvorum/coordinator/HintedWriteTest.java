package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.SimNodes.SimNode;
import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import io.kvorum.storage.Durability;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sloppy quorums and the hints a write leaves (issue 10), on five simulated nodes with n=3: who
 * takes a write a down replica misses, what counts toward W, and which node keeps the hint.
 */
class HintedWriteTest {
    private static final long TIMEOUT_MS = 200;

    private record Setup(SimNodes sim, Key key, SimNode coordinator, SimNode second, SimNode down, SimNode fallback) {
    }

    /** A key whose third replica is down: the coordinator is its first replica, the fallback the next node. */
    private static Setup thirdReplicaDown(long seed) {
        SimNodes sim = SimNodes.start(seed, 5, 3);
        Key key = Key.of("k");
        List<NodeId> replicas = sim.replicas(key, 3);
        SimNode down = sim.node(replicas.get(2));
        sim.membership.setUp(down.id, false);
        sim.network.kill(down.id);
        NodeId fallback = sim.membership.ring().preferenceList(key, 5).stream()
                .filter(node -> !replicas.contains(node)).findFirst().orElseThrow();
        return new Setup(sim, key, sim.node(replicas.get(0)), sim.node(replicas.get(1)), down, sim.node(fallback));
    }

    @Test
    void aSloppyWriteAtAllSucceedsWithAFallbackThatKeepsTheHint() {
        Setup s = thirdReplicaDown(1);
        WriteOptions sloppyAll = SimNodes.w(Consistency.ALL, TIMEOUT_MS).sloppy(true).durable();

        s.sim().await(s.coordinator().coordinator.put(SimNodes.put(s.key(), "v", sloppyAll)));
        s.sim().loop.runFor(TIMEOUT_MS * 2);

        List<RecordingHints.Hint> held = s.fallback().hints.of(s.down().id);
        assertThat(held).hasSize(1);
        assertThat(held.get(0).durability()).isEqualTo(Durability.DURABLE);
        assertThat(held.get(0).records()).extracting(r -> r.key()).containsExactly(s.key());
        assertThat(s.fallback().store.read(s.key())).as("a fallback holds a hint, not a replica").isEmpty();
        assertThat(s.coordinator().hints.total()).as("the fallback's hint covers the down replica").isZero();
        assertThat(s.second().store.read(s.key())).hasSize(1);
    }

    @Test
    void aStrictWriteAtAllFailsFastAndLeavesNothing() {
        Setup s = thirdReplicaDown(2);

        Throwable error = s.sim().failure(s.coordinator().coordinator.put(SimNodes.put(s.key(), "v",
                SimNodes.w(Consistency.ALL, TIMEOUT_MS).sloppy(false))));

        assertThat(error).isInstanceOf(UnavailableException.class);
        assertThat(s.sim().nodes).allMatch(n -> n.hints.total() == 0);
    }

    @Test
    void aStrictQuorumWriteSucceedsAndItsCoordinatorKeepsAHintForTheDownReplica() {
        Setup s = thirdReplicaDown(3);

        s.sim().await(s.coordinator().coordinator.put(SimNodes.put(s.key(), "v",
                SimNodes.w(Consistency.QUORUM, TIMEOUT_MS))));
        s.sim().loop.runFor(TIMEOUT_MS * 2);

        assertThat(s.coordinator().hints.of(s.down().id)).hasSize(1);
        assertThat(s.fallback().hints.total()).as("a strict write is sent to no fallback").isZero();
        assertThat(s.coordinator().stats().hintsKept.sum()).isEqualTo(1);
    }

    @Test
    void aReplicaThatIsUpButDoesNotAnswerGetsAHintOnceTheDeadlinePasses() {
        SimNodes sim = SimNodes.start(4, 5, 3);
        Key key = Key.of("k");
        List<NodeId> replicas = sim.replicas(key, 3);
        SimNode coordinator = sim.node(replicas.get(0));
        SimNode silent = sim.node(replicas.get(2));
        // The detector still believes it up; its link drops everything.
        sim.network.cut(coordinator.id, silent.id);

        sim.await(coordinator.coordinator.put(SimNodes.put(key, "v", SimNodes.w(Consistency.QUORUM, TIMEOUT_MS))));
        assertThat(coordinator.hints.total()).as("no hint before the deadline").isZero();
        sim.loop.runFor(TIMEOUT_MS * 2);

        assertThat(coordinator.hints.of(silent.id)).hasSize(1);
        assertThat(coordinator.hints.total()).isEqualTo(1);
    }

    @Test
    void whenTheFallbackRefusesTheHintTheSloppyWriteFailsAndTheCoordinatorKeepsIt() {
        Setup s = thirdReplicaDown(5);
        s.fallback().hints.refusing = true;

        Throwable error = s.sim().failure(s.coordinator().coordinator.put(SimNodes.put(s.key(), "v",
                SimNodes.w(Consistency.ALL, TIMEOUT_MS).sloppy(true))));
        s.sim().loop.runFor(TIMEOUT_MS * 2);

        assertThat(error).hasMessageContaining("cannot keep more hints");
        assertThat(s.coordinator().hints.of(s.down().id)).hasSize(1);
    }

    @Test
    void theNodeDefaultDecidesWhenTheWriteDoesNotSay() {
        WriteOptions unset = WriteOptions.quorum();
        assertThat(unset.sloppy()).isNull();
        assertThat(unset.isSloppy(true)).isTrue();
        assertThat(unset.isSloppy(false)).isFalse();
        assertThat(unset.sloppy(false).isSloppy(true)).isFalse();
        assertThat(io.kvorum.core.protocol.PutRequest.of(Key.of("k"), new byte[] {1}, null, unset.sloppy(true))
                .options().sloppy()).isTrue();
        assertThat(io.kvorum.core.protocol.PutRequest.of(Key.of("k"), new byte[] {1}, null, unset).options().sloppy())
                .isNull();
    }
}
