package io.kvorum.bench;

import io.kvorum.core.Clock;
import io.kvorum.storage.lsm.LsmOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The engines the command line can name, and the parsing of {@code --engines kvorum,rocksdb}.
 *
 * <p>The order given is kept: it is the order of the first round (later rounds alternate it) and
 * of the report's columns, and the ratio column is first engine over second.
 */
final class Engines {
    static final String KVORUM = "kvorum";
    static final String ROCKSDB = "rocksdb";
    static final List<String> NAMES = List.of(KVORUM, ROCKSDB);

    private Engines() {
    }

    /** The engine called {@code name}, or an {@link IllegalArgumentException} listing the known ones. */
    static EngineFactory byName(String name, Clock clock) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case KVORUM:
                return new Kvorum(clock);
            case ROCKSDB:
                return new RocksDb();
            default:
                throw new IllegalArgumentException(
                        "--engines: unknown engine '" + name + "' (expected: one of " + String.join(", ", NAMES) + ")");
        }
    }

    /** The engines of a comma-separated list: at least one, each at most once. */
    static List<EngineFactory> parse(String commaSeparated, Clock clock) {
        Set<String> seen = new LinkedHashSet<>();
        List<EngineFactory> engines = new ArrayList<>();
        for (String part : commaSeparated.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("--engines: '" + commaSeparated
                        + "' (expected: a comma-separated list of " + String.join(", ", NAMES) + ", no empty names)");
            }
            EngineFactory engine = byName(part, clock);
            if (!seen.add(engine.name())) {
                throw new IllegalArgumentException("--engines: '" + commaSeparated + "' names " + engine.name()
                        + " twice (expected: each engine at most once)");
            }
            engines.add(engine);
        }
        return List.copyOf(engines);
    }

    private record Kvorum(Clock clock) implements EngineFactory {
        @Override
        public String name() {
            return KVORUM;
        }

        @Override
        public String describe(LsmOptions o) {
            return "Kvorum LsmStore: apply(Record, PERIODIC), commit log fsynced every " + o.commitLogSyncPeriodMs()
                    + " ms; memtable " + ByteSizes.of(o.memtableMaxBytes()) + " (" + o.maxPendingFlushes()
                    + " more may wait for flush); block cache " + ByteSizes.of(o.blockCacheBytes()) + "; block "
                    + ByteSizes.of(o.blockBytes()) + "; Bloom " + o.bloomBitsPerKey() + " bits/key; no compression;"
                    + " size-tiered compaction (" + o.compactionMinThreshold() + " to " + o.compactionMaxThreshold()
                    + " tables, capped at " + ByteSizes.of(o.compactionBytesPerSecond()) + "/s)";
        }

        @Override
        public StorageEngine open(Path dir, LsmOptions options) {
            return KvorumEngine.open(dir, options, clock);
        }
    }

    private record RocksDb() implements EngineFactory {
        @Override
        public String name() {
            return ROCKSDB;
        }

        @Override
        public String describe(LsmOptions options) {
            return RocksDbEngine.describe(options);
        }

        @Override
        public StorageEngine open(Path dir, LsmOptions options) {
            return RocksDbEngine.open(dir, options);
        }
    }
}
