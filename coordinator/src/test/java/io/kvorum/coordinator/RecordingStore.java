package io.kvorum.coordinator;

import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import io.kvorum.storage.MemoryReplicaStore;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link MemoryReplicaStore} that remembers every batch it was asked to apply and with which
 * durability, so a test can tell a read repair or a replica write from the data seeded before it.
 * Seed through {@link #seed}, which is not recorded.
 */
final class RecordingStore implements ReplicaStore {
    record Apply(List<Record> records, Durability durability) {
    }

    private final MemoryReplicaStore inner = new MemoryReplicaStore(RecordLimits.defaults());
    private final List<Apply> applies = new ArrayList<>();
    private RuntimeException failure;

    /** Puts records in the store without recording an apply. */
    void seed(Record... records) {
        inner.apply(List.of(records), Durability.PERIODIC);
    }

    /** From now on every apply and read throws {@code e} (a failing disk). */
    void failWith(RuntimeException e) {
        this.failure = e;
    }

    List<Apply> applies() {
        return applies;
    }

    @Override
    public void apply(List<Record> records, Durability durability) {
        if (failure != null) {
            throw failure;
        }
        applies.add(new Apply(List.copyOf(records), durability));
        inner.apply(records, durability);
    }

    @Override
    public List<Record> read(Key key) {
        if (failure != null) {
            throw failure;
        }
        return inner.read(key);
    }

    @Override
    public CloseableIterator<Record> scan(TokenRange range) {
        return inner.scan(range);
    }

    @Override
    public long retainOnly(List<TokenRange> keep) {
        return inner.retainOnly(keep);
    }

    @Override
    public void flush() {
        inner.flush();
    }

    @Override
    public void close() {
        inner.close();
    }
}
