package io.kvorum.bench;

import io.kvorum.core.Actor;
import io.kvorum.core.Clock;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import io.kvorum.storage.lsm.LsmOptions;
import io.kvorum.storage.lsm.LsmStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kvorum's embedded engine, {@link LsmStore}, driven the way a replica drives it.
 *
 * <p>Each put is one blind write as a coordinator makes it: a {@link Record} with the next dot of
 * a single actor, an empty context and the wall-clock time, applied with
 * {@link Durability#PERIODIC} (in the commit log and memtable, fsynced by the periodic sync, as
 * RocksDB's WAL without sync is in the OS). The counter is shared by all writer threads, so dots
 * stay unique and strictly increasing as the data model requires.
 *
 * <p>A key written once has exactly one record, so a read that returns more than one is an engine
 * bug and fails the run rather than being averaged into a number.
 */
final class KvorumEngine implements StorageEngine {
    /** The one writer: node 1, epoch 0. A benchmark store is new each round, so its dots never collide. */
    private static final Actor WRITER = new Actor(new NodeId(1), 0);

    private final LsmStore store;
    private final Clock clock;
    private final AtomicLong lastCounter = new AtomicLong();

    private KvorumEngine(LsmStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    static KvorumEngine open(Path dir, LsmOptions options, Clock clock) {
        return new KvorumEngine(LsmStore.open(dir, options), clock);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        Dot dot = new Dot(WRITER, lastCounter.incrementAndGet());
        store.apply(Record.value(Key.of(key), dot, VersionVector.EMPTY, clock.nowMillis(), value), Durability.PERIODIC);
    }

    @Override
    public byte[] get(byte[] key) {
        List<Record> records = store.read(Key.of(key));
        if (records.isEmpty()) {
            return null;
        }
        if (records.size() != 1) {
            throw new IllegalStateException("kvorum: read of key " + Key.of(key) + " returned " + records.size()
                    + " records (expected: 1, the key was written once): " + records);
        }
        return records.get(0).value();
    }

    @Override
    public ScanTally scanAll() {
        long records = 0;
        long valueBytes = 0;
        try (CloseableIterator<Record> it = store.scan(TokenRange.full())) {
            while (it.hasNext()) {
                Record r = it.next();
                records++;
                valueBytes += r.valueLength();
            }
        }
        return new ScanTally(records, valueBytes);
    }

    @Override
    public void flush() {
        store.flush();
    }

    @Override
    public void close() {
        store.close();
    }
}
