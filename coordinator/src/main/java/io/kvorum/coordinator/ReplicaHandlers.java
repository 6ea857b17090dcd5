package io.kvorum.coordinator;

import io.kvorum.coordinator.CoordinatorMessages.HintedWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaReadResult;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRestore;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWriteAck;
import io.kvorum.core.Key;
import io.kvorum.core.MessageBus;
import io.kvorum.core.Record;
import io.kvorum.core.TooManySiblingsException;
import io.kvorum.storage.Durability;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.StorageException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The replica side of other coordinators' requests: apply what a writer ships, return what a reader
 * asks for (saying when part of it is unreadable), restore a key that read repair makes whole. Nothing more: a replica applies by union without reading first and never decides
 * between records (DESIGN.md), so a write, a read repair, a hint and a stream all arrive the same
 * way. The work runs on the storage executor, never on the bus's threads, and the
 * acknowledgement of a durable write waits for the commit-log fsync.
 *
 * <p><b>The sibling bound without a read.</b> A batch with more of one key's records than
 * {@code request.max_siblings_per_key} is refused unapplied: a coordinator that respects the limit
 * never ships one (it refuses a write once its own copy holds that many), so such a batch is a
 * repair merging replicas that diverged while partitioned, or a peer gone wrong. Checking the batch,
 * not the union with what is stored, keeps the replica free of reads before writes; a key's
 * siblings are then bounded by the limit times the coordinators that wrote it while cut off from
 * each other, and each write's work by the limit.
 */
final class ReplicaHandlers {
    private final ReplicaStore store;
    private final Executor storage;
    private final int maxSiblings;
    private final HintSink hints;

    ReplicaHandlers(ReplicaStore store, Executor storage, int maxSiblings, HintSink hints) {
        this.store = store;
        this.storage = storage;
        this.maxSiblings = maxSiblings;
        this.hints = hints;
    }

    void register(MessageBus bus) {
        bus.handle(ReplicaWrite.class, (from, m) -> write(m));
        bus.handle(ReplicaRead.class, (from, m) -> read(m));
        bus.handle(ReplicaRestore.class, (from, m) -> restore(m));
        bus.handle(HintedWrite.class, (from, m) -> hint(m));
    }

    /**
     * Keeps a sloppy write's records as a hint for the replica this node stands in for; the
     * acknowledgement counts toward the write's W, so a hint the store refuses is a failure.
     */
    CompletableFuture<ReplicaWriteAck> hint(HintedWrite m) {
        return CompletableFuture.supplyAsync(() -> {
            checkSiblings(m.records(), maxSiblings);
            if (!hints.add(m.replica(), m.records(), durability(m.durable()))) {
                throw new StorageException("this node cannot keep more hints for " + m.replica()
                        + " (its hint store refused one; see its log)");
            }
            return new ReplicaWriteAck();
        }, storage);
    }

    /** Applies the records by union; acknowledged once applied, and fsynced when the write is durable. */
    CompletableFuture<ReplicaWriteAck> write(ReplicaWrite m) {
        return CompletableFuture.supplyAsync(() -> {
            checkSiblings(m.records(), maxSiblings);
            store.apply(m.records(), durability(m.durable()));
            return new ReplicaWriteAck();
        }, storage);
    }

    /**
     * This replica's live records of the key; when part of its store is damaged, those it could read,
     * marked incomplete, rather than an error: the coordinator merges them without counting them.
     */
    CompletableFuture<ReplicaReadResult> read(ReplicaRead m) {
        return CompletableFuture.supplyAsync(() -> ReplicaReadResult.of(store.readAvailable(m.key())), storage);
    }

    /** Applies a read repair of an incomplete answer, after which the key reads as complete again. */
    CompletableFuture<ReplicaWriteAck> restore(ReplicaRestore m) {
        return CompletableFuture.supplyAsync(() -> {
            checkSiblings(m.records(), maxSiblings);
            store.restore(m.key(), m.records(), Durability.PERIODIC);
            return new ReplicaWriteAck();
        }, storage);
    }

    /** @throws TooManySiblingsException when the batch holds more than {@code limit} records of one key */
    static void checkSiblings(List<Record> records, int limit) {
        if (records.size() <= limit) {
            return;
        }
        Map<Key, Integer> perKey = new HashMap<>();
        for (Record r : records) {
            perKey.merge(r.key(), 1, Integer::sum);
        }
        perKey.forEach((key, count) -> {
            if (count > limit) {
                throw TooManySiblingsException.inBatch(key, count, limit, CoordinatorOptions.MAX_SIBLINGS.key());
            }
        });
    }

    static Durability durability(boolean durable) {
        return durable ? Durability.DURABLE : Durability.PERIODIC;
    }
}
