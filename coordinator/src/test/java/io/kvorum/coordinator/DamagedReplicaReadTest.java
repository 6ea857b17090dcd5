package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.SimNodes.SimNode;
import io.kvorum.core.Actor;
import io.kvorum.core.Consistency;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Settings;
import io.kvorum.core.VersionVector;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.storage.Durability;
import io.kvorum.storage.MemoryReplicaStore;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.lsm.LsmOptions;
import io.kvorum.storage.lsm.LsmSettings;
import io.kvorum.storage.lsm.LsmStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads on simulated nodes, one of which keeps its replica in a real LSM store whose table holding
 * the key has a damaged data block. The damaged replica answers with what it can still read, marked
 * incomplete: the coordinator merges that but never counts it toward R, repairs it from the others
 * so that it counts again, and, where the coordinator is the damaged replica itself, refuses writes
 * of the key until then.
 */
class DamagedReplicaReadTest {
    private static final long TIMEOUT_MS = 1000;

    @TempDir
    Path dir;

    private LsmStore damaged;

    @AfterEach
    void closeStore() {
        if (damaged != null) {
            damaged.close();
        }
    }

    /** An LSM store whose only table holds {@code records} in a data block with a flipped byte. */
    private LsmStore damagedStore(Record... records) throws IOException {
        LsmOptions options = LsmOptions.from(Settings.empty().with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20));
        try (LsmStore store = LsmStore.builder(dir).options(options).inlineBackgroundWork().open()) {
            store.apply(List.of(records), Durability.DURABLE);
            store.flush();
        }
        Path table;
        try (Stream<Path> files = Files.list(dir.resolve("sstables"))) {
            table = files.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
        }
        // The first data block starts the file: byte 12 is inside its first record.
        try (FileChannel ch = FileChannel.open(table, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, 12);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, 12);
        }
        damaged = LsmStore.builder(dir).options(options).inlineBackgroundWork().open();
        return damaged;
    }

    private static ReplicaStore memory() {
        return new MemoryReplicaStore(RecordLimits.defaults());
    }

    @Test
    void aQuorumReadSucceedsPastTheDamagedReplicaWithoutCountingItMergesWhatItHasAndRestoresIt() {
        Key key = Key.of("k");
        Record written = recordOf(key, 1, "a");
        SimNodes sim = SimNodes.start(41, 3, 3, i -> i == 2 ? storeWith(written) : memory());
        SimNode coordinator = sim.node(0);
        SimNode slow = sim.node(1);
        SimNode broken = sim.node(2);
        Record onlyOnBroken = recordOf(key, 2, "b");
        broken.store.seed(onlyOnBroken); // a concurrent sibling, outside the damaged table
        coordinator.store.seed(written);
        slow.store.seed(written);
        slow.storage.delayMs = 100;

        CompletableFuture<GetResponse> read = coordinator.coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.QUORUM, TIMEOUT_MS)));
        sim.loop.runFor(50);
        assertThat(read).as("the damaged replica answered, but does not make up the quorum").isNotDone();
        GetResponse answer = sim.await(read);

        assertThat(sim.nowMs()).isGreaterThanOrEqualTo(100);
        assertThat(SimNodes.valueOf(answer)).as("merged with what the damaged replica could read").isEqualTo("a,b");
        assertThat(coordinator.stats().incompleteReplies.sum()).isEqualTo(1);
        sim.loop.runFor(10);
        assertThat(broken.store.restores()).containsExactly(new RecordingStore.Restore(key, List.of(written)));
        assertThat(damaged.readAvailable(key).isComplete()).isTrue();
        assertThat(damaged.read(key)).containsExactlyInAnyOrder(written, onlyOnBroken);
        sim.loop.runFor(150); // the slow replica applies its repair late too
        assertThat(slow.store.applies()).extracting(RecordingStore.Apply::records)
                .containsExactly(List.of(onlyOnBroken));

        GetResponse all = sim.await(coordinator.coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS))));
        assertThat(SimNodes.valueOf(all)).isEqualTo("a,b");
        assertThat(coordinator.stats().incompleteReplies.sum()).isEqualTo(1);
    }

    @Test
    void anAllReadFailsAsCorruptionNamingTheDamagedReplicaUntilItsRepairHasLandedThenSucceeds() {
        Key key = Key.of("k");
        Record[] written = {recordOf(key, 1, "a")};
        SimNodes sim = SimNodes.start(42, 3, 3, i -> i == 2 ? storeWith(written[0]) : memory());
        SimNode coordinator = sim.node(0);
        SimNode broken = sim.node(2);
        coordinator.store.seed(written[0]);
        sim.node(1).store.seed(written[0]);

        Throwable error = sim.failure(coordinator.coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS))));

        assertThat(error).isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("read failed with 2 of 3 required replicas answering: 1 hold damaged data (")
                .hasMessageContaining(broken.id + ": SSTable ")
                .hasMessageContaining("checksum mismatch");
        assertThat(sim.nowMs()).as("at once, not at the timeout").isLessThan(TIMEOUT_MS);
        sim.loop.runFor(10);
        assertThat(broken.store.restores()).hasSize(1);

        GetResponse all = sim.await(coordinator.coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS))));
        assertThat(all.records()).containsExactly(written[0]);
    }

    @Test
    void aDamagedCoordinatorRefusesWritesOfTheKeyAtOnceAndRestoresItselfFromItsOwnRead() {
        Key key = Key.of("k");
        Record[] written = {recordOf(key, 1, "a")};
        SimNodes sim = SimNodes.start(43, 3, 3, i -> i == 0 ? storeWith(written[0]) : memory());
        SimNode broken = sim.node(0);
        sim.node(1).store.seed(written[0]);
        sim.node(2).store.seed(written[0]);

        Throwable refused = sim.failure(broken.coordinator.put(SimNodes.put(key, "new",
                SimNodes.w(Consistency.QUORUM, TIMEOUT_MS))));
        assertThat(refused).isInstanceOf(CorruptDataException.class)
                .hasMessageStartingWith("write of key k refused by its coordinator " + broken.id)
                .hasMessageContaining("nothing was written");
        assertThat(sim.nowMs()).as("at once, not at the timeout").isLessThan(TIMEOUT_MS);
        assertThat(sim.node(1).store.applies()).as("nothing was sent").isEmpty();

        Throwable all = sim.failure(broken.coordinator.get(SimNodes.get(key, SimNodes.r(Consistency.ALL, TIMEOUT_MS))));
        assertThat(all).isInstanceOf(CorruptDataException.class).hasMessageContaining(broken.id + ": SSTable ");
        sim.loop.runFor(10);
        assertThat(broken.store.restores()).containsExactly(new RecordingStore.Restore(key, List.of(written[0])));

        GetResponse quorum = sim.await(broken.coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS))));
        assertThat(quorum.records()).containsExactly(written[0]);
        sim.await(broken.coordinator.put(SimNodes.put(key, "new", SimNodes.w(Consistency.ALL, TIMEOUT_MS))));
        assertThat(SimNodes.valueOf(sim.await(sim.node(1).coordinator.get(SimNodes.get(key,
                SimNodes.r(Consistency.ALL, TIMEOUT_MS)))))).isEqualTo("a,new");
    }

    /** A blind write of {@code key} by a client-facing node outside the simulation, as its {@code counter}th. */
    private static Record recordOf(Key key, long counter, String value) {
        return Record.value(key, new Dot(new Actor(new NodeId(99), 0), counter), VersionVector.EMPTY, 1,
                value.getBytes(StandardCharsets.UTF_8));
    }

    private ReplicaStore storeWith(Record record) {
        try {
            return damagedStore(record);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
