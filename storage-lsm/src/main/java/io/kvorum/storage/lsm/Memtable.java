package io.kvorum.storage.lsm;

import io.kvorum.core.Causality;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.storage.KeyInterval;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The newest writes, in memory, sorted in storage order: a concurrent skip list from key to the
 * key's resolved records.
 *
 * <p>Merging on insert (union, then {@link Causality#resolve}) keeps only live records, so a hot
 * key overwritten many times costs one entry, and a flush writes already-resolved groups.
 *
 * <p>Lifecycle: active (takes writes) → frozen (no new writers; waiting for its flush) → flushed
 * (dropped). The store counts writers in flight so that a flush never starts while a writer that
 * chose this memtable is still inserting into it.
 */
final class Memtable {
    private final ConcurrentSkipListMap<Key, List<Record>> entries = new ConcurrentSkipListMap<>();
    private final LongAdder heapBytes = new LongAdder();
    private final AtomicInteger keyCount = new AtomicInteger();
    private final AtomicInteger writersInFlight = new AtomicInteger();
    /** The last commit-log segment holding this memtable's writes; set when it is frozen. */
    private volatile long lastSegmentId = -1;

    /** Called with the commit log's append lock held, before the writer inserts. */
    void beginWrite() {
        writersInFlight.incrementAndGet();
    }

    void endWrite() {
        writersInFlight.decrementAndGet();
    }

    /** Waits for writers that chose this memtable before it was frozen; they are inserting, never blocked. */
    void awaitWriters() {
        while (writersInFlight.get() > 0) {
            LockSupport.parkNanos(10_000);
        }
    }

    void put(Record r) {
        List<Record> previous = entries.putIfAbsent(r.key(), List.of(r));
        if (previous == null) {
            keyCount.incrementAndGet();
        } else {
            entries.merge(r.key(), List.of(r), Causality::merge);
        }
        heapBytes.add(r.estimatedHeapBytes());
    }

    /** The key's live records in dot order, or null when the memtable has none. */
    List<Record> get(Key key) {
        return entries.get(key);
    }

    boolean containsKey(Key key) {
        return entries.containsKey(key);
    }

    /** Key groups of {@code interval} in storage order; weakly consistent with concurrent writes. */
    Iterator<Map.Entry<Key, List<Record>>> iterator(KeyInterval interval) {
        NavigableMap<Key, List<Record>> m = entries;
        if (interval.fromInclusive() != null) {
            m = m.tailMap(interval.fromInclusive(), true);
        }
        if (interval.toExclusive() != null) {
            m = m.headMap(interval.toExclusive(), false);
        }
        return m.entrySet().iterator();
    }

    /** The same as {@link #iterator}, as the key groups that merges take. */
    Iterator<KeyGroup> groups(KeyInterval interval) {
        Iterator<Map.Entry<Key, List<Record>>> entries = iterator(interval);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public KeyGroup next() {
                Map.Entry<Key, List<Record>> e = entries.next();
                return new KeyGroup(e.getKey(), e.getValue());
            }
        };
    }

    /** Approximate heap held, counting every record inserted (superseded ones too, until flush). */
    long heapBytes() {
        return heapBytes.sum();
    }

    int keyCount() {
        return keyCount.get();
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    void freeze(long lastSegmentId) {
        this.lastSegmentId = lastSegmentId;
    }

    long lastSegmentId() {
        return lastSegmentId;
    }
}
