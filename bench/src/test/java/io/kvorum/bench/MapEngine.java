package io.kvorum.bench;

import io.kvorum.storage.lsm.LsmOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * An engine that is a sorted in-memory map, to test the harness without any storage engine; with
 * {@code dropEvery > 0} it silently loses every n-th put, to prove the harness notices.
 */
final class MapEngine implements StorageEngine {
    private final ConcurrentSkipListMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    private final int dropEvery;
    private int puts;

    MapEngine(int dropEvery) {
        this.dropEvery = dropEvery;
    }

    /** A factory of map engines under {@code name} that lose every {@code dropEvery}-th put (0: none). */
    static EngineFactory factory(String name, int dropEvery) {
        return new EngineFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String describe(LsmOptions options) {
                return "in-memory ConcurrentSkipListMap";
            }

            @Override
            public StorageEngine open(Path dir, LsmOptions options) {
                return new MapEngine(dropEvery);
            }
        };
    }

    @Override
    public void put(byte[] key, byte[] value) {
        synchronized (this) {
            puts++;
            if (dropEvery > 0 && puts % dropEvery == 0) {
                return;
            }
        }
        map.put(key, value);
    }

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    @Override
    public ScanTally scanAll() {
        long valueBytes = 0;
        for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
            valueBytes += e.getValue().length;
        }
        return new ScanTally(map.size(), valueBytes);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
