package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.coordinator.CoordinatorMessages.HintedWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.TooManySiblingsException;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import io.kvorum.storage.Durability;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** The replica side, without a bus: what it applies, how durably, on which executor. */
class ReplicaHandlersTest {
    private static final int MAX_SIBLINGS = 3;
    private final RecordingStore store = new RecordingStore();
    private final RecordingHints hints = new RecordingHints();
    private final List<Runnable> queued = new ArrayList<>();
    private final Executor storage = queued::add;
    private final ReplicaHandlers handlers = new ReplicaHandlers(store, storage, MAX_SIBLINGS, hints);
    private final Key key = Key.of("k");
    private final Record record = Record.value(key, new Dot(new Actor(NodeId.random(RandomSource.seeded(1)), 0), 1),
            VersionVector.EMPTY, 0, "v".getBytes(StandardCharsets.UTF_8));

    private void runStorage() {
        while (!queued.isEmpty()) {
            queued.remove(0).run();
        }
    }

    @Test
    void aDurableWriteIsAppliedDurably() {
        var ack = handlers.write(new ReplicaWrite(List.of(record), true));
        runStorage();
        assertThat(ack).isCompleted();
        assertThat(store.applies()).containsExactly(new RecordingStore.Apply(List.of(record), Durability.DURABLE));
    }

    @Test
    void anOrdinaryWriteIsAppliedPeriodically() {
        handlers.write(new ReplicaWrite(List.of(record), false));
        runStorage();
        assertThat(store.applies()).containsExactly(new RecordingStore.Apply(List.of(record), Durability.PERIODIC));
    }

    @Test
    void workRunsOnTheStorageExecutorNotTheCallersThread() {
        var ack = handlers.write(new ReplicaWrite(List.of(record), false));
        var read = handlers.read(new ReplicaRead(key));
        assertThat(ack).isNotDone();
        assertThat(read).isNotDone();
        assertThat(store.applies()).isEmpty();
        runStorage();
        assertThat(read.join().records()).containsExactly(record);
    }

    @Test
    void aReadReturnsTheStoresLiveRecords() {
        store.seed(record);
        var read = handlers.read(new ReplicaRead(key));
        runStorage();
        assertThat(read.join().records()).containsExactly(record);
        var none = handlers.read(new ReplicaRead(Key.of("other")));
        runStorage();
        assertThat(none.join().records()).isEmpty();
    }

    @Test
    void aStorageFailureFailsTheReply() {
        store.failWith(new IllegalStateException("disk full"));
        var ack = handlers.write(new ReplicaWrite(List.of(record), true));
        runStorage();
        assertThatThrownBy(ack::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("disk full");
    }

    @Test
    void aBatchWithMoreOfOneKeysRecordsThanTheLimitIsRefusedUnapplied() {
        Actor actor = new Actor(NodeId.random(RandomSource.seeded(2)), 0);
        List<Record> batch = new ArrayList<>();
        for (int i = 1; i <= MAX_SIBLINGS + 1; i++) {
            batch.add(Record.value(key, new Dot(actor, i), VersionVector.EMPTY, 0, new byte[] {(byte) i}));
        }
        var refused = handlers.write(new ReplicaWrite(batch, false));
        runStorage();
        assertThatThrownBy(refused::join).hasCauseInstanceOf(TooManySiblingsException.class)
                .hasMessageContaining("a batch of 4 records of key").hasMessageContaining("request.max_siblings_per_key");
        assertThat(store.applies()).isEmpty();

        // At the limit, and with the records spread over keys, batches are applied.
        var atLimit = handlers.write(new ReplicaWrite(batch.subList(0, MAX_SIBLINGS), false));
        List<Record> spread = new ArrayList<>(batch.subList(0, MAX_SIBLINGS));
        spread.add(Record.value(Key.of("other"), new Dot(actor, 9), VersionVector.EMPTY, 0, new byte[] {9}));
        var spreadAck = handlers.write(new ReplicaWrite(spread, false));
        runStorage();
        assertThat(atLimit).isCompleted();
        assertThat(spreadAck).isCompleted();
        assertThat(store.applies()).hasSize(2);
    }

    @Test
    void aHintedWriteIsKeptForItsReplicaNotApplied() {
        NodeId down = NodeId.random(RandomSource.seeded(3));
        var ack = handlers.hint(new HintedWrite(List.of(record), true, down));
        runStorage();
        assertThat(ack).isCompleted();
        assertThat(hints.of(down)).containsExactly(new RecordingHints.Hint(List.of(record), Durability.DURABLE));
        assertThat(store.applies()).isEmpty();

        hints.refusing = true;
        var refused = handlers.hint(new HintedWrite(List.of(record), false, down));
        runStorage();
        assertThatThrownBy(refused::join).hasMessageContaining("cannot keep more hints for " + down);
    }
}
