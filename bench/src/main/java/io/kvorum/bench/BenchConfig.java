package io.kvorum.bench;

import io.kvorum.core.Checks;
import io.kvorum.core.Settings;
import io.kvorum.storage.lsm.LsmOptions;
import io.kvorum.storage.lsm.LsmSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One storage benchmark run's parameters, validated where they enter: every bad value is rejected
 * with the option's name, the value and what was expected, before any data is generated.
 *
 * <p>Each option has an upper bound too, so a typo cannot start a run that fills the disk or the
 * heap: keys up to {@value #MAX_KEYS}, key and value sizes up to Kvorum's own limits
 * ({@code storage.max_key_bytes}, {@code storage.max_value_bytes}), up to {@value #MAX_ROUNDS} rounds
 * and {@value #MAX_THREADS} threads.
 *
 * @param engines in the order of the first round and of the report's columns
 * @param dir the directory under which each engine gets a fresh directory per round
 * @param memtableBytes Kvorum's {@code storage.memtable_max_bytes}; RocksDB's write buffer
 * @param cacheBytes Kvorum's {@code storage.block_cache_bytes}; RocksDB's LRU block cache
 */
record BenchConfig(
        int keyCount,
        int keyBytes,
        int valueBytes,
        int readCount,
        int rounds,
        int threads,
        List<EngineFactory> engines,
        Path dir,
        long memtableBytes,
        long cacheBytes,
        long seed) {

    static final int MAX_KEYS = 100_000_000;
    static final int MAX_READS = 1_000_000_000;
    static final int MAX_ROUNDS = 100;
    static final int MAX_THREADS = 64;

    BenchConfig {
        Checks.require(keyCount > 0 && keyCount <= MAX_KEYS, "--keys", keyCount, "1 to " + MAX_KEYS);
        long maxKeyBytes = LsmSettings.MAX_KEY_BYTES.defaultValue();
        Checks.require(keyBytes >= KeyValueGenerator.MIN_KEY_BYTES && keyBytes <= maxKeyBytes, "--key-bytes",
                keyBytes, KeyValueGenerator.MIN_KEY_BYTES + " to " + maxKeyBytes + " (" + LsmSettings.MAX_KEY_BYTES
                        + "; 8 bytes carry each key's unique id)");
        long maxValueBytes = LsmSettings.MAX_VALUE_BYTES.defaultValue();
        Checks.require(valueBytes >= 0 && valueBytes <= maxValueBytes, "--value-bytes", valueBytes,
                "0 to " + maxValueBytes + " (" + LsmSettings.MAX_VALUE_BYTES + ")");
        Checks.require(readCount > 0 && readCount <= MAX_READS, "--reads", readCount, "1 to " + MAX_READS);
        Checks.require(rounds > 0 && rounds <= MAX_ROUNDS, "--rounds", rounds, "1 to " + MAX_ROUNDS);
        Checks.require(threads > 0 && threads <= MAX_THREADS, "--threads", threads, "1 to " + MAX_THREADS);
        Checks.require(threads <= keyCount && threads <= readCount, "--threads", threads,
                "at most --keys (" + keyCount + ") and --reads (" + readCount + "), so no thread is idle");
        Checks.require(engines != null && !engines.isEmpty(), "--engines", engines, "at least one engine");
        engines = List.copyOf(engines);
        Objects.requireNonNull(dir, "dir");
        LsmSettings.MEMTABLE_MAX_BYTES.validate(memtableBytes);
        LsmSettings.BLOCK_CACHE_BYTES.validate(cacheBytes);
    }

    /** Kvorum's options for this run: its defaults with the memtable and block cache sizes given. */
    LsmOptions lsmOptions() {
        return LsmOptions.from(Settings.empty()
                .with(LsmSettings.MEMTABLE_MAX_BYTES, memtableBytes)
                .with(LsmSettings.BLOCK_CACHE_BYTES, cacheBytes));
    }

    /** Heap taken by the pre-generated workload (see {@link Workload#estimatedHeapBytes}). */
    long workloadHeapBytes() {
        return Workload.estimatedHeapBytes(keyCount, keyBytes, valueBytes, readCount);
    }
}
