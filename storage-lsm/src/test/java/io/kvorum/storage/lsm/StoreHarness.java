package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Actor;
import io.kvorum.core.Causality;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Settings;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * An LSM store under test next to a model of what it must hold: the sequence of batches applied,
 * and how many of them must survive a crash (everything up to the last durable write, flush or
 * clean close).
 *
 * <p>After a crash the check is exact. The commit log loses a suffix of whole entries, so the
 * recovered store must equal the model after some prefix of the batches, and that prefix must
 * include every batch that had to survive. A record from nowhere, a lost durable write, a half
 * batch or a hole in the middle all fail it.
 */
final class StoreHarness implements AutoCloseable {
    static final int KEYS = 12;
    private static final Actor ACTOR = new Actor(new NodeId(7), 0);

    private final Path dir;
    private final LsmOptions options;
    private LsmStore store;
    private final List<List<Record>> batches = new ArrayList<>();
    private int mustSurvive;
    private TreeMap<Key, List<Record>> model = new TreeMap<>();
    private long counter;
    /** Writes are timestamped "now": the default grace period then keeps every tombstone, as the model does. */
    private final long startMillis = System.currentTimeMillis();
    private final List<String> log = new ArrayList<>();

    StoreHarness(CompactionStrategy strategy) {
        try {
            this.dir = Files.createTempDirectory("kvorum-harness-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.options = LsmOptions.from(Settings.empty()
                .with(LsmSettings.MEMTABLE_MAX_BYTES, 64L * 1024)
                .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L)
                .with(LsmSettings.COMPACTION_MIN_THRESHOLD, 3)
                .with(LsmSettings.COMPACTION_STRATEGY, strategy)
                .with(LsmSettings.LEVELED_TABLE_BYTES, 64L * 1024)
                .with(LsmSettings.LEVELED_LEVEL1_BYTES, 64L * 1024));
        this.store = open();
    }

    private LsmStore open() {
        return LsmStore.builder(dir).options(options).inlineBackgroundWork().open();
    }

    static Key key(int i) {
        return Key.of("key-" + i);
    }

    /**
     * Applies a batch of writes to the given keys. A write reads the key first (as a client with a
     * context would) when {@code readFirst}, else writes blind.
     */
    void apply(int[] keys, boolean[] readFirst, boolean[] tombstone, int[] valueBytes, boolean durable) {
        List<Record> batch = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            Key k = key(keys[i]);
            VersionVector context = readFirst[i] ? Causality.join(model.getOrDefault(k, List.of())) : VersionVector.EMPTY;
            Dot dot = new Dot(ACTOR, ++counter);
            batch.add(tombstone[i]
                    ? Record.tombstone(k, dot, context, startMillis + counter)
                    : Record.value(k, dot, context, startMillis + counter, value(counter, valueBytes[i])));
        }
        store.apply(batch, durable ? Durability.DURABLE : Durability.PERIODIC);
        batches.add(batch);
        for (Record r : batch) {
            model.merge(r.key(), List.of(r), Causality::merge);
        }
        if (durable) {
            mustSurvive = batches.size();
        }
    }

    private static byte[] value(long seed, int length) {
        byte[] v = new byte[length];
        new Random(seed).nextBytes(v);
        return v;
    }

    void read(int key) {
        assertThat(store.read(key(key))).as("read of %s after %s", key(key), log)
                .isEqualTo(model.getOrDefault(key(key), List.of()));
    }

    void scan(long start, long end) {
        TokenRange range = TokenRange.of(start, end);
        // The ring's order: a wrapping range yields (start, MAX] first, then (MIN, end].
        List<Record> afterStart = new ArrayList<>();
        List<Record> upToEnd = new ArrayList<>();
        for (Map.Entry<Key, List<Record>> e : model.entrySet()) {
            long token = e.getKey().token();
            if (range.contains(token)) {
                (!range.isFull() && range.wraps() && token > start ? afterStart : upToEnd).addAll(e.getValue());
            }
        }
        List<Record> expected = new ArrayList<>(afterStart);
        expected.addAll(upToEnd);
        List<Record> actual = scanAll(range);
        assertThat(actual).as("scan %s after %s", range, log).isEqualTo(expected);
    }

    void flush() {
        store.flush();
        mustSurvive = batches.size();
        assertLevelsDisjoint();
    }

    void compact() {
        store.compact();
        assertLevelsDisjoint();
    }

    /** Leveled compaction's invariant: below level 0, no two tables of a level share a key range. */
    private void assertLevelsDisjoint() {
        List<TableInfo> tables = store.tables();
        for (TableInfo a : tables) {
            for (TableInfo b : tables) {
                if (a != b && a.level() > 0 && a.level() == b.level()) {
                    assertThat(a.overlaps(b.firstKey(), b.lastKey()))
                            .as("tables %d and %d of level %d overlap", a.generation(), b.generation(), a.level())
                            .isFalse();
                }
            }
        }
    }

    void reopen() {
        store.close();
        store = open();
        mustSurvive = batches.size();
        assertThat(state()).as("state after clean reopen, after %s", log).isEqualTo(model);
    }

    void crash(long seed) throws IOException {
        long cut = CrashSimulator.crash(store, new Random(seed));
        store = open();
        TreeMap<Key, List<Record>> recovered = state();
        TreeMap<Key, List<Record>> candidate = new TreeMap<>();
        for (int i = 0; i < mustSurvive; i++) {
            applyTo(candidate, batches.get(i));
        }
        int survived = mustSurvive;
        while (!candidate.equals(recovered) && survived < batches.size()) {
            applyTo(candidate, batches.get(survived++));
        }
        assertThat(recovered)
                .as("after a crash cutting the log at segment %d offset %d, the store must equal the model after"
                                + " some prefix of at least %d of the %d batches; history %s", cut >>> 32,
                        cut & 0xffffffffL, mustSurvive, batches.size(), log)
                .isEqualTo(candidate);
        batches.subList(survived, batches.size()).clear();
        model = candidate;
        mustSurvive = survived;
    }

    private static void applyTo(TreeMap<Key, List<Record>> state, List<Record> batch) {
        for (Record r : batch) {
            state.merge(r.key(), List.of(r), Causality::merge);
        }
    }

    private TreeMap<Key, List<Record>> state() {
        TreeMap<Key, List<Record>> out = new TreeMap<>();
        for (Record r : scanAll(TokenRange.full())) {
            out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return out;
    }

    private List<Record> scanAll(TokenRange range) {
        List<Record> out = new ArrayList<>();
        try (CloseableIterator<Record> it = store.scan(range)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    void note(String action) {
        log.add(action);
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public String toString() {
        return "StoreHarness{" + batches.size() + " batches, " + mustSurvive + " must survive}";
    }
}
