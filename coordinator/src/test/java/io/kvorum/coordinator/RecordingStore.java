package io.kvorum.coordinator;

import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import io.kvorum.storage.KeyRead;
import io.kvorum.storage.MemoryReplicaStore;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import java.util.ArrayList;
import java.util.List;

/**
 * A store (a {@link MemoryReplicaStore} unless given another) that remembers every batch it was asked
 * to apply and with which durability, and every restore, so a test can tell a read repair or a
 * replica write from the data seeded before it. Seed through {@link #seed}, which is not recorded.
 */
final class RecordingStore implements ReplicaStore {
    record Apply(List<Record> records, Durability durability) {
    }

    /** A {@link ReplicaStore#restore} of a key, after an incomplete read. */
    record Restore(Key key, List<Record> records) {
    }

    private final ReplicaStore inner;
    private final List<Apply> applies = new ArrayList<>();
    private final List<Restore> restores = new ArrayList<>();
    private RuntimeException failure;

    RecordingStore() {
        this(new MemoryReplicaStore(RecordLimits.defaults()));
    }

    /** Records what is asked of {@code inner}, such as an LSM store with a damaged table. */
    RecordingStore(ReplicaStore inner) {
        this.inner = inner;
    }

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

    List<Restore> restores() {
        return restores;
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
    public KeyRead readAvailable(Key key) {
        if (failure != null) {
            throw failure;
        }
        return inner.readAvailable(key);
    }

    @Override
    public void restore(Key key, List<Record> records, Durability durability) {
        if (failure != null) {
            throw failure;
        }
        restores.add(new Restore(key, List.copyOf(records)));
        inner.restore(key, records, durability);
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
