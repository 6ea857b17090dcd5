package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.SimNodes.SimNode;
import io.kvorum.core.Consistency;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.protocol.GetResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The read path on simulated nodes: it answers as soon as R replicas have, and repairs stale
 * replicas only once every asked replica has answered or the deadline passed.
 */
class ReadPathTest {
    private static final long TIMEOUT_MS = 1000;

    @Test
    void theAnswerComesAfterRRepliesWithoutWaitingForTheRest() {
        SimNodes sim = SimNodes.start(21, 3, 3);
        SimNode self = sim.node(0);
        SimNode late = sim.node(1);
        SimNode later = sim.node(2);
        Key key = Key.of("k");
        Record record = sim.record(key, self, 1, "v");
        for (SimNode node : sim.nodes) {
            node.store.seed(record);
        }
        late.storage.delayMs = 50;
        later.storage.delayMs = 500;

        CompletableFuture<GetResponse> read = self.coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.QUORUM, TIMEOUT_MS)));
        sim.loop.runFor(40);
        assertThat(read).as("one reply of the two R needs").isNotDone();
        String value = SimNodes.valueOf(sim.await(read));

        assertThat(value).isEqualTo("v");
        assertThat(sim.nowMs()).isBetween(50L, 60L);
        assertThat(self.stats().reads.sum()).isEqualTo(1);
    }

    @Test
    void theAnswerIsTheUnionOfTheRepliesResolved() {
        SimNodes sim = SimNodes.start(22, 3, 3);
        Key key = Key.of("k");
        sim.node(1).store.seed(sim.record(key, sim.node(1), 1, "a"));
        sim.node(2).store.seed(sim.record(key, sim.node(2), 1, "b"));

        String value = SimNodes.valueOf(sim.await(sim.node(0).coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS)))));

        assertThat(value).as("concurrent writes, kept as siblings").isEqualTo("a,b");
    }

    @Test
    void readRepairGoesToStaleReplicasOnlyAndOnlyOnceEveryReplicaHasAnswered() {
        SimNodes sim = SimNodes.start(23, 3, 3);
        SimNode self = sim.node(0);
        SimNode stale = sim.node(1);
        SimNode slow = sim.node(2);
        Key key = Key.of("k");
        Record record = sim.record(key, self, 1, "v");
        self.store.seed(record);
        slow.store.seed(record);
        slow.storage.delayMs = 100;

        String value = SimNodes.valueOf(sim.await(self.coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.QUORUM, TIMEOUT_MS)))));
        assertThat(value).isEqualTo("v");
        sim.loop.runFor(50);
        assertThat(stale.store.applies()).as("repair before the slow replica answered").isEmpty();

        sim.loop.runFor(100);
        assertThat(stale.store.applies()).extracting(RecordingStore.Apply::records).containsExactly(List.of(record));
        assertThat(self.store.applies()).as("self was up to date").isEmpty();
        assertThat(slow.store.applies()).as("the slow replica was up to date").isEmpty();
        assertThat(self.stats().readRepairs.sum()).isEqualTo(1);
    }

    @Test
    void aReplicaThatNeverAnswersDelaysRepairToTheDeadlineAndGetsNone() {
        SimNodes sim = SimNodes.start(24, 3, 3);
        SimNode self = sim.node(0);
        SimNode stale = sim.node(1);
        SimNode silent = sim.node(2);
        Key key = Key.of("k");
        Record record = sim.record(key, self, 1, "v");
        self.store.seed(record);
        sim.network.cut(self.id, silent.id);

        sim.await(self.coordinator.get(SimNodes.get(key, SimNodes.r(Consistency.QUORUM, TIMEOUT_MS))));
        sim.loop.runFor(TIMEOUT_MS - 10);
        assertThat(stale.store.applies()).isEmpty();

        sim.loop.runFor(20);
        assertThat(stale.store.applies()).extracting(RecordingStore.Apply::records).containsExactly(List.of(record));
        sim.network.healAll();
        sim.loop.runFor(10);
        assertThat(silent.store.applies()).as("did not answer, so not repaired").isEmpty();
    }

    @Test
    void theCoordinatorRepairsItselfToo() {
        SimNodes sim = SimNodes.start(25, 3, 3);
        SimNode self = sim.node(0);
        Key key = Key.of("k");
        Record record = sim.record(key, sim.node(1), 1, "v");
        sim.node(1).store.seed(record);
        sim.node(2).store.seed(record);

        sim.await(self.coordinator.get(SimNodes.get(key, SimNodes.r(Consistency.ALL, TIMEOUT_MS))));
        sim.loop.runFor(10);

        assertThat(self.store.read(key)).containsExactly(record);
    }

    @Test
    void tooFewReplicasUpIsRefusedBeforeAnythingIsSent() {
        SimNodes sim = SimNodes.start(26, 3, 3);
        sim.membership.setUp(sim.node(2).id, false);

        Throwable error = sim.failure(sim.node(0).coordinator.get(SimNodes.get(Key.of("k"),
                SimNodes.r(Consistency.ALL, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(UnavailableException.class)
                .hasMessage("read at R=ALL (n=3) needs 3 replicas up but only 2 are; nothing was sent");
        assertThat(sim.network.delivered() + sim.network.dropped()).isZero();
    }

    @Test
    void refusedReplicasAreNamedInTheError() {
        SimNodes sim = SimNodes.start(27, 3, 3);
        SimNode dead = sim.node(1);
        sim.network.kill(dead.id);
        sim.network.kill(sim.node(2).id);

        Throwable error = sim.failure(sim.node(0).coordinator.get(SimNodes.get(Key.of("k"),
                SimNodes.r(Consistency.QUORUM, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(RequestTimeoutException.class)
                .hasMessageStartingWith("read failed with 1 of 2 required replicas answering (")
                .hasMessageContaining(dead.id + ": connection to " + dead.id + " refused")
                .hasMessageNotContaining("may still have been applied");
    }

    @Test
    void aQuorumReadSucceedsPastOneDamagedReplicaAndAnAllReadFailsAsCorruption() {
        SimNodes sim = SimNodes.start(31, 3, 3);
        Key key = Key.of("k");
        sim.await(sim.node(0).coordinator.put(SimNodes.put(key, "v", SimNodes.w(Consistency.ALL, TIMEOUT_MS))));
        SimNode damaged = sim.node(2);
        damaged.store.failWith(new CorruptDataException("sstables/3.db: data block 0 at offset 0: checksum mismatch"));

        GetResponse quorum = sim.await(sim.node(0).coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.QUORUM, TIMEOUT_MS))));
        assertThat(quorum.records()).hasSize(1);

        // Carried across the wire as its own kind, and reported as corruption, not as a timeout.
        Throwable all = sim.failure(sim.node(0).coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS))));
        assertThat(all).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("1 hold damaged data")
                .hasMessageContaining(damaged.id + ": sstables/3.db: data block 0 at offset 0: checksum mismatch");
    }
}
