package io.kvorum.coordinator;

import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaReadResult;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRestore;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWriteAck;
import io.kvorum.core.MessageBus;
import io.kvorum.storage.Durability;
import io.kvorum.storage.ReplicaStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The replica side of other coordinators' requests: apply what a writer ships, return what a reader
 * asks for (saying when part of it is unreadable), restore a key that read repair makes whole. Nothing more: a replica applies by union without reading first and never decides
 * between records (DESIGN.md), so a write, a read repair, a hint and a stream all arrive the same
 * way. The work runs on the storage executor, never on the bus's threads, and the
 * acknowledgement of a durable write waits for the commit-log fsync.
 */
final class ReplicaHandlers {
    private final ReplicaStore store;
    private final Executor storage;

    ReplicaHandlers(ReplicaStore store, Executor storage) {
        this.store = store;
        this.storage = storage;
    }

    void register(MessageBus bus) {
        bus.handle(ReplicaWrite.class, (from, m) -> write(m));
        bus.handle(ReplicaRead.class, (from, m) -> read(m));
        bus.handle(ReplicaRestore.class, (from, m) -> restore(m));
    }

    /** Applies the records by union; acknowledged once applied, and fsynced when the write is durable. */
    CompletableFuture<ReplicaWriteAck> write(ReplicaWrite m) {
        return CompletableFuture.supplyAsync(() -> {
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
            store.restore(m.key(), m.records(), Durability.PERIODIC);
            return new ReplicaWriteAck();
        }, storage);
    }

    static Durability durability(boolean durable) {
        return durable ? Durability.DURABLE : Durability.PERIODIC;
    }
}
