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
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * An LSM store under test next to a model of what it must hold: the sequence of events applied
 * (batches, and cleanups that keep only some token ranges), and how many of them must survive a
 * crash (everything up to the last durable write, flush, cleanup or clean close).
 *
 * <p>After a crash the check is exact. The commit log loses a suffix of whole entries, so the
 * recovered store must equal the model after some prefix of the events, and that prefix must
 * include every event that had to survive. A record from nowhere, a lost durable write, a half
 * batch or a hole in the middle all fail it. A cleanup flushes before it drops anything, so it is
 * always in the prefix that must survive.
 *
 * <p>A crash in the middle of a cleanup is weaker by contract: every kept key must be exact, and a
 * dropped key may come back with some of the records it ever had, until the cleanup runs again.
 */
final class StoreHarness implements AutoCloseable {
    static final int KEYS = 12;
    private static final Actor ACTOR = new Actor(new NodeId(7), 0);

    private final Path dir;
    private final LsmOptions options;
    private LsmStore store;
    private final List<Event> events = new ArrayList<>();
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

    /** What happened to the store, in order; replaying a prefix gives the state after it. */
    private sealed interface Event {
        void applyTo(TreeMap<Key, List<Record>> state);
    }

    private record Batch(List<Record> records) implements Event {
        @Override
        public void applyTo(TreeMap<Key, List<Record>> state) {
            for (Record r : records) {
                state.merge(r.key(), List.of(r), Causality::merge);
            }
        }
    }

    private record Retain(List<TokenRange> keep) implements Event {
        @Override
        public void applyTo(TreeMap<Key, List<Record>> state) {
            state.keySet().removeIf(k -> !keeps(k));
        }

        boolean keeps(Key k) {
            return keep.stream().anyMatch(r -> r.contains(k.token()));
        }
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
        record(new Batch(batch));
        if (durable) {
            mustSurvive = events.size();
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

    private void record(Event e) {
        events.add(e);
        e.applyTo(model);
    }

    void flush() {
        store.flush();
        mustSurvive = events.size();
        assertLevelsDisjoint();
    }

    /**
     * Keeps only the keys of {@code keep}. With {@code compactMidway} a major compaction runs between
     * two tables of the cleanup, merging tables it has not reached yet.
     */
    void retainOnly(List<TokenRange> keep, boolean compactMidway) {
        retainOnly(keep, compactMidway, true);
    }

    /** As above; with {@code !countKnown} part of the keys may already be gone, so the count is not checked. */
    private void retainOnly(List<TokenRange> keep, boolean compactMidway, boolean countKnown) {
        Retain retain = new Retain(keep);
        long outside = model.keySet().stream().filter(k -> !retain.keeps(k)).count();
        boolean[] compacted = {false};
        if (compactMidway) {
            store.crashPoints = point -> {
                if (point.equals(CrashPoints.CLEANUP_TABLE_DONE) && !compacted[0]) {
                    compacted[0] = true;
                    store.compact();
                }
            };
        }
        long dropped;
        try {
            dropped = store.retainOnly(keep);
        } finally {
            store.crashPoints = CrashPoints.NONE;
        }
        record(retain);
        mustSurvive = events.size();
        if (!countKnown) {
            assertThat(dropped).isNotNegative();
        } else if (outside == 0) {
            assertThat(dropped).as("keys dropped keeping %s after %s", keep, log).isZero();
        } else {
            assertThat(dropped).as("keys dropped keeping %s after %s", keep, log).isGreaterThanOrEqualTo(outside);
        }
        assertThat(state()).as("state after retainOnly %s, after %s", keep, log).isEqualTo(model);
        assertLevelsDisjoint();
    }

    /**
     * Starts a cleanup and crashes the store the {@code nth} time it reaches {@code point} (if it gets
     * that far), cutting the log as {@link #crash} does. Every kept key must then be exact and every
     * dropped key hold only records it once had; running the cleanup again must give the model.
     */
    void crashDuringRetainOnly(List<TokenRange> keep, String point, int nth, long seed) throws IOException {
        Retain retain = new Retain(keep);
        int[] seen = {0};
        store.crashPoints = p -> {
            if (p.equals(point) && ++seen[0] == nth) {
                throw new SimulatedCrash(p);
            }
        };
        boolean crashed;
        long dropped = 0;
        try {
            dropped = store.retainOnly(keep);
            crashed = false;
        } catch (StorageException e) {
            assertThat(e).hasMessageContaining("simulated crash");
            crashed = true;
        } finally {
            store.crashPoints = CrashPoints.NONE;
        }
        if (crashed) {
            // The cleanup flushed first: everything before it is in tables and must be there.
            mustSurvive = events.size();
            CrashSimulator.crash(store, new Random(seed));
            store = open();
            TreeMap<Key, List<Record>> recovered = state();
            TreeMap<Key, List<Record>> cleaned = new TreeMap<>(model);
            retain.applyTo(cleaned);
            Map<Key, Set<Record>> ever = everApplied();
            for (Key k : recovered.keySet()) {
                if (retain.keeps(k)) {
                    continue;
                }
                assertThat(ever.getOrDefault(k, Set.of()))
                        .as("records of dropped key %s after a crash at %s #%d of a cleanup, after %s", k, point, nth,
                                log)
                        .containsAll(recovered.get(k));
            }
            recovered.keySet().removeIf(k -> !retain.keeps(k));
            assertThat(recovered).as("kept keys after a crash at %s #%d of a cleanup keeping %s, after %s", point, nth,
                    keep, log).isEqualTo(cleaned);
            log.add("rerun of the cleanup");
            retainOnly(keep, false, false);
        } else {
            // Fewer than nth tables to clean: it finished, and running it again drops nothing.
            long outside = model.keySet().stream().filter(k -> !retain.keeps(k)).count();
            assertThat(dropped).isGreaterThanOrEqualTo(outside);
            record(retain);
            mustSurvive = events.size();
            retainOnly(keep, false, true);
        }
    }

    private Map<Key, Set<Record>> everApplied() {
        Map<Key, Set<Record>> out = new HashMap<>();
        for (Event e : events) {
            if (e instanceof Batch b) {
                for (Record r : b.records()) {
                    out.computeIfAbsent(r.key(), k -> new HashSet<>()).add(r);
                }
            }
        }
        return out;
    }

    static final class SimulatedCrash extends Error {
        SimulatedCrash(String point) {
            super("simulated crash at " + point);
        }
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
        mustSurvive = events.size();
        assertThat(state()).as("state after clean reopen, after %s", log).isEqualTo(model);
    }

    void crash(long seed) throws IOException {
        long cut = CrashSimulator.crash(store, new Random(seed));
        store = open();
        TreeMap<Key, List<Record>> recovered = state();
        TreeMap<Key, List<Record>> candidate = new TreeMap<>();
        for (int i = 0; i < mustSurvive; i++) {
            events.get(i).applyTo(candidate);
        }
        int survived = mustSurvive;
        while (!candidate.equals(recovered) && survived < events.size()) {
            events.get(survived++).applyTo(candidate);
        }
        assertThat(recovered)
                .as("after a crash cutting the log at segment %d offset %d, the store must equal the model after"
                                + " some prefix of at least %d of the %d events; history %s", cut >>> 32,
                        cut & 0xffffffffL, mustSurvive, events.size(), log)
                .isEqualTo(candidate);
        events.subList(survived, events.size()).clear();
        model = candidate;
        mustSurvive = survived;
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
        return "StoreHarness{" + events.size() + " events, " + mustSurvive + " must survive}";
    }
}
