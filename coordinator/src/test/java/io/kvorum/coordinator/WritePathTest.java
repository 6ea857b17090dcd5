package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.SimNodes.SimNode;
import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.storage.Durability;
import io.kvorum.storage.StorageException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The write path carrying out its {@link io.kvorum.ring.WritePlan} on simulated nodes: refusing
 * before sending, counting W + P acknowledgements while a node joins, and what its errors say.
 */
class WritePathTest {
    private static final long TIMEOUT_MS = 200;

    @Test
    void tooFewReplicasUpIsRefusedBeforeAnythingIsSentOrApplied() {
        SimNodes sim = SimNodes.start(1, 3, 3);
        SimNode self = sim.node(0);
        sim.membership.setUp(sim.node(1).id, false);
        sim.membership.setUp(sim.node(2).id, false);
        Key key = Key.of("k");

        Throwable error = sim.failure(self.coordinator.put(SimNodes.put(key, "v", SimNodes.w(Consistency.QUORUM,
                TIMEOUT_MS))));

        assertThat(error).isInstanceOf(UnavailableException.class)
                .hasMessage("write at W=QUORUM (n=3) needs 2 replicas up but only 1 are; nothing was sent");
        assertThat(((UnavailableException) error).alive()).isEqualTo(1);
        assertThat(self.store.applies()).isEmpty();
        assertThat(sim.network.delivered() + sim.network.dropped()).as("messages sent").isZero();
        assertThat(self.stats().unavailable.sum()).isEqualTo(1);
    }

    @Test
    void aDeleteIsNamedAsOne() {
        SimNodes sim = SimNodes.start(2, 3, 3);
        sim.membership.setUp(sim.node(1).id, false);
        CompletableFuture<PutResponse> delete = sim.node(0).coordinator.put(PutRequest.of(
                Key.of("k"), null, null, SimNodes.w(Consistency.ALL, TIMEOUT_MS)));

        assertThat(sim.failure(delete)).isInstanceOf(UnavailableException.class)
                .hasMessage("delete at W=ALL (n=3) needs 3 replicas up but only 2 are; nothing was sent");
    }

    @Test
    void aWriteReachesEveryUpReplicaAndSucceedsAtW() {
        SimNodes sim = SimNodes.start(3, 3, 3);
        Key key = Key.of("k");

        sim.await(sim.node(0).coordinator.put(SimNodes.put(key, "v", SimNodes.w(Consistency.QUORUM, TIMEOUT_MS))));
        sim.loop.runFor(10);

        for (SimNode node : sim.nodes) {
            assertThat(node.store.read(key)).as("records on %s", node).hasSize(1);
        }
        assertThat(sim.node(0).stats().writes.sum()).isEqualTo(1);
    }

    @Test
    void duringAJoinTheWriteAlsoGoesToTheJoinerAndNeedsWPlusOneAcks() {
        SimNodes sim = SimNodes.start(4, 3, 3);
        SimNode self = sim.node(0);
        SimNode joiner = sim.startJoiner();
        Key key = sim.keyWhere(k -> sim.membership.pendingRing().preferenceList(k, 3).contains(joiner.id));

        sim.await(self.coordinator.put(SimNodes.put(key, "v", SimNodes.w(Consistency.of(2), TIMEOUT_MS))));
        sim.loop.runFor(10);
        assertThat(joiner.store.read(key)).as("the joiner's records").hasSize(1);

        // Two of the four targets refuse: at most self and one more can acknowledge, which W=2 alone
        // would take, but a write during a join needs W + 1 = 3. It fails once both refusals are in,
        // which (one fixed hop each way) is before the other replica's ack.
        SimNode refusing = sim.node(1);
        sim.network.kill(refusing.id);
        sim.network.kill(joiner.id);
        Throwable error = sim.failure(self.coordinator.put(SimNodes.put(key, "v2",
                SimNodes.w(Consistency.of(2), TIMEOUT_MS))));

        assertThat(error).isInstanceOf(RequestTimeoutException.class);
        assertThat(((RequestTimeoutException) error).required()).isEqualTo(3);
        assertThat(((RequestTimeoutException) error).acknowledged()).isEqualTo(1);
        assertThat(error.getMessage())
                .startsWith("write failed with 1 of 3 required replicas answering (")
                .contains(refusing.id + ": connection to " + refusing.id + " refused")
                .contains(joiner.id + ": connection to " + joiner.id + " refused")
                .endsWith("; the write may still have been applied");
        assertThat(sim.nowMs()).as("failed as soon as the refusals came, not at the deadline")
                .isLessThan(TIMEOUT_MS);
    }

    @Test
    void duringAJoinTooFewUpTargetsNameThePendingReplica() {
        SimNodes sim = SimNodes.start(5, 3, 3);
        SimNode joiner = sim.startJoiner();
        Key key = sim.keyWhere(k -> sim.membership.pendingRing().preferenceList(k, 3).contains(joiner.id));
        sim.membership.setUp(joiner.id, false);
        sim.membership.setUp(sim.node(1).id, false);

        Throwable error = sim.failure(sim.node(0).coordinator.put(SimNodes.put(key, "v",
                SimNodes.w(Consistency.of(2), TIMEOUT_MS))));

        assertThat(error).isInstanceOf(UnavailableException.class).hasMessage("write at W=2 (n=3, plus 1 replica(s)"
                + " gaining the key in a ring change) needs 3 replicas up but only 2 are; nothing was sent");
        assertThat(sim.node(0).store.applies()).isEmpty();
    }

    @Test
    void silentReplicasTimeOutAtTheDeadlineNamingHowManyAnswered() {
        SimNodes sim = SimNodes.start(6, 3, 3);
        SimNode self = sim.node(0);
        sim.network.cut(self.id, sim.node(1).id);
        sim.network.cut(self.id, sim.node(2).id);
        Key key = Key.of("k");

        Throwable error = sim.failure(self.coordinator.put(SimNodes.put(key, "v",
                SimNodes.w(Consistency.QUORUM, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(RequestTimeoutException.class).hasMessage("write timed out after 200 ms with 1"
                + " of 2 required replicas answering; the write may still have been applied");
        assertThat(sim.nowMs()).isEqualTo(TIMEOUT_MS);
        assertThat(self.store.read(key)).as("applied locally all the same").hasSize(1);
        assertThat(self.stats().timeouts.sum()).isEqualTo(1);
    }

    @Test
    void aLocalStorageFailureIsNamedAndCounts() {
        SimNodes sim = SimNodes.start(7, 3, 3);
        SimNode self = sim.node(0);
        self.store.failWith(new IllegalStateException("disk full"));

        Throwable error = sim.failure(self.coordinator.put(SimNodes.put(Key.of("k"), "v",
                SimNodes.w(Consistency.ALL, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(RequestTimeoutException.class)
                .hasMessage("write failed with 0 of 3 required replicas answering (" + self.id + ": disk full); the"
                        + " write may still have been applied");
    }

    @Test
    void aWriteItsCoordinatorCannotStoreGoesToAnotherReplicaToCoordinate() {
        SimNodes sim = SimNodes.start(8, 3, 3);
        SimNode full = sim.node(0);
        full.store.failWith(new StorageException("cannot allocate commit log segment: the disk is full"));
        Key key = Key.of("k");

        sim.await(full.coordinator.put(SimNodes.put(key, "v", SimNodes.w(Consistency.QUORUM, TIMEOUT_MS))));

        assertThat(sim.nowMs()).as("no wait for a deadline").isLessThan(TIMEOUT_MS);
        assertThat(full.stats().forwarded.sum()).isEqualTo(1);
        assertThat(sim.node(1).store.applies()).hasSize(1);
        assertThat(sim.node(2).store.applies()).hasSize(1);
        assertThat(full.store.applies()).isEmpty();
    }

    @Test
    void aForwardedWriteItsCoordinatorCannotStoreFailsAtOnceNamingIt() {
        SimNodes sim = SimNodes.start(9, 3, 3);
        SimNode full = sim.node(0);
        full.store.failWith(new StorageException("cannot allocate commit log segment: the disk is full"));
        Key key = Key.of("k");
        sim.membership.setUp(sim.node(1).id, false);
        sim.membership.setUp(sim.node(2).id, false);

        Throwable error = sim.failure(full.coordinator.put(SimNodes.put(key, "v",
                SimNodes.w(Consistency.ONE, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(StorageException.class)
                .hasMessage("write of key k failed on its coordinator " + full.id + " before anything was sent:"
                        + " cannot allocate commit log segment: the disk is full");
        assertThat(sim.nowMs()).as("no wait for a deadline").isLessThan(TIMEOUT_MS);
        assertThat(sim.network.delivered() + sim.network.dropped()).as("messages sent").isZero();
    }

    @Test
    void aDurableWriteIsAppliedDurablyEverywhere() {
        SimNodes sim = SimNodes.start(8, 3, 3);
        Key key = Key.of("k");

        sim.await(sim.node(0).coordinator.put(SimNodes.put(key, "v",
                SimNodes.w(Consistency.ALL, TIMEOUT_MS).durable())));

        for (SimNode node : sim.nodes) {
            assertThat(node.store.applies()).as("applies on %s", node).extracting(RecordingStore.Apply::durability)
                    .containsExactly(Durability.DURABLE);
        }
    }

    /**
     * DESIGN.md: the coordinator ships its local records that the new one does not supersede, so a
     * replica never holds a later dot of an actor without the earlier concurrent record.
     */
    @Test
    void aWriteShipsTheLocalRecordsItDoesNotSupersede() {
        SimNodes sim = SimNodes.start(9, 3, 3);
        SimNode self = sim.node(0);
        SimNode other = sim.node(1);
        Key key = Key.of("k");
        sim.network.cut(self.id, other.id);
        sim.network.cut(self.id, sim.node(2).id);
        sim.await(self.coordinator.put(SimNodes.put(key, "first", SimNodes.w(Consistency.ONE, TIMEOUT_MS))));
        sim.loop.runFor(TIMEOUT_MS);
        sim.network.healAll();

        sim.await(self.coordinator.put(SimNodes.put(key, "second", SimNodes.w(Consistency.ALL, TIMEOUT_MS))));

        List<Record> shipped = other.store.applies().get(0).records();
        assertThat(shipped).extracting(r -> new String(r.value())).containsExactly("second", "first");
        assertThat(other.store.read(key)).hasSize(2);
    }

    @Test
    void theCoordinatorIsAlwaysOneOfTheTargetsItCounts() {
        SimNodes sim = SimNodes.start(10, 3, 3);
        SimNode self = sim.node(0);
        sim.membership.setUp(self.id, false); // what others believe of us does not stop us writing locally
        sim.await(self.coordinator.put(SimNodes.put(Key.of("k"), "v", SimNodes.w(Consistency.ALL, TIMEOUT_MS))));
        assertThat(self.store.applies()).hasSize(1);
    }
}
