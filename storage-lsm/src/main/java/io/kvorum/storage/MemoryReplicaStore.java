package io.kvorum.storage;

import io.kvorum.core.Causality;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A {@link ReplicaStore} held in memory: a sorted map from key to its resolved records.
 *
 * <p>It is the store of simulated nodes, where thousands of seeded runs must be fast and
 * deterministic, and the reference the LSM engine is tested against. It obeys the same contract,
 * including the size limits, except that nothing survives the process: durability is accepted
 * and ignored.
 */
public final class MemoryReplicaStore implements ReplicaStore {
    private final ConcurrentSkipListMap<Key, List<Record>> records = new ConcurrentSkipListMap<>();
    private final RecordLimits limits;
    private volatile boolean closed;

    public MemoryReplicaStore(RecordLimits limits) {
        this.limits = limits;
    }

    public MemoryReplicaStore() {
        this(RecordLimits.defaults());
    }

    @Override
    public void apply(List<Record> batch, Durability durability) {
        checkOpen();
        limits.check(batch);
        for (Record r : batch) {
            records.merge(r.key(), List.of(r), Causality::merge);
        }
    }

    @Override
    public List<Record> read(Key key) {
        checkOpen();
        return records.getOrDefault(key, List.of());
    }

    @Override
    public CloseableIterator<Record> scan(TokenRange range) {
        checkOpen();
        List<Iterator<List<Record>>> parts = new ArrayList<>();
        for (KeyInterval i : KeyInterval.of(range)) {
            parts.add(slice(i).values().iterator());
        }
        return new CloseableIterator<>() {
            private int part;
            private Iterator<Record> current = List.<Record>of().iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext()) {
                    while (part < parts.size() && !parts.get(part).hasNext()) {
                        part++;
                    }
                    if (part == parts.size()) {
                        return false;
                    }
                    current = parts.get(part).next().iterator();
                }
                return true;
            }

            @Override
            public Record next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }

            @Override
            public void close() {
            }
        };
    }

    /** Exact: counts each dropped key once. Only the dropped runs of the map are visited. */
    @Override
    public long retainOnly(List<TokenRange> keep) {
        TokenRangeSet kept = TokenRangeSet.of(keep);
        checkOpen();
        long dropped = 0;
        for (KeyInterval i : kept.complement().intervals()) {
            for (Iterator<Key> it = slice(i).keySet().iterator(); it.hasNext(); ) {
                it.next();
                it.remove();
                dropped++;
            }
        }
        return dropped;
    }

    private NavigableMap<Key, List<Record>> slice(KeyInterval i) {
        NavigableMap<Key, List<Record>> m = records;
        if (i.fromInclusive() != null) {
            m = m.tailMap(i.fromInclusive(), true);
        }
        if (i.toExclusive() != null) {
            m = m.headMap(i.toExclusive(), false);
        }
        return m;
    }

    @Override
    public void flush() {
        checkOpen();
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
    }
}
