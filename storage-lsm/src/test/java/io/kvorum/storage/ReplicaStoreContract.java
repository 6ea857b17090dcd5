package io.kvorum.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Actor;
import io.kvorum.core.Causality;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.SizeLimitExceededException;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ReplicaStore} contract, run against every implementation: each subclass says how to
 * open a store with small limits (key 64 bytes, value 1 KiB) and how to push its data through
 * whatever layers it has (memtable to files), so the same assertions run on every layer.
 */
public abstract class ReplicaStoreContract {
    protected static final long MAX_KEY_BYTES = 64;
    protected static final long MAX_VALUE_BYTES = 1024;
    private static final Actor A = new Actor(new NodeId(1), 0);
    private static final Actor B = new Actor(new NodeId(2), 0);

    protected ReplicaStore store;
    private long counter;
    /** Records are written "now", so that no tombstone is past its grace period and purged by a compaction. */
    private final long startMillis = System.currentTimeMillis();

    /** A store limited to {@link #MAX_KEY_BYTES} and {@link #MAX_VALUE_BYTES}. */
    protected abstract ReplicaStore open();

    /** Moves everything applied so far to the store's lowest layer (flush and compact, if it has them). */
    protected void settle() {
        store.flush();
    }

    /** Whether {@link ReplicaStore#retainOnly} counts each dropped key once; otherwise at least once. */
    protected boolean countsDroppedKeysExactly() {
        return false;
    }

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Record write(String key, Actor actor, VersionVector context, String value) {
        Dot dot = new Dot(actor, ++counter);
        return value == null
                ? Record.tombstone(Key.of(key), dot, context, startMillis + counter)
                : Record.value(Key.of(key), dot, context, startMillis + counter, value.getBytes());
    }

    private static List<String> values(List<Record> records) {
        return records.stream().map(r -> r.isTombstone() ? "<tombstone>" : new String(r.value())).toList();
    }

    @Test
    void readsWhatWasApplied() {
        store.apply(write("k", A, VersionVector.EMPTY, "v1"), Durability.PERIODIC);
        assertThat(values(store.read(Key.of("k")))).containsExactly("v1");
        assertThat(store.read(Key.of("other"))).isEmpty();
        settle();
        assertThat(values(store.read(Key.of("k")))).containsExactly("v1");
    }

    @Test
    void anUndamagedStoreReadsEveryKeyCompleteAndARestoreIsAnApply() {
        Record first = write("k", A, VersionVector.EMPTY, "v1");
        store.apply(first, Durability.PERIODIC);
        settle();
        assertThat(store.readAvailable(Key.of("k"))).isEqualTo(KeyRead.complete(List.of(first)));
        assertThat(store.readAvailable(Key.of("absent"))).isEqualTo(KeyRead.complete(List.of()));

        Record second = write("k", B, VersionVector.EMPTY, "v2");
        store.restore(Key.of("k"), List.of(second), Durability.PERIODIC);
        assertThat(store.readAvailable(Key.of("k")).isComplete()).isTrue();
        assertThat(values(store.read(Key.of("k")))).containsExactlyInAnyOrder("v1", "v2");
    }

    @Test
    void blindWritesBecomeSiblingsAndAWriteWithTheirContextReplacesThem() {
        store.apply(write("k", A, VersionVector.EMPTY, "left"), Durability.PERIODIC);
        settle();
        store.apply(write("k", B, VersionVector.EMPTY, "right"), Durability.DURABLE);
        List<Record> siblings = store.read(Key.of("k"));
        assertThat(values(siblings)).containsExactlyInAnyOrder("left", "right");

        store.apply(write("k", A, Causality.join(siblings), "merged"), Durability.PERIODIC);
        assertThat(values(store.read(Key.of("k")))).containsExactly("merged");
        settle();
        assertThat(values(store.read(Key.of("k")))).containsExactly("merged");
    }

    @Test
    void aDeleteIsALoneTombstoneUntilAWriteSupersedesIt() {
        Record v = write("k", A, VersionVector.EMPTY, "v");
        store.apply(v, Durability.PERIODIC);
        settle();
        Record delete = write("k", A, Causality.join(List.of(v)), null);
        store.apply(delete, Durability.PERIODIC);
        assertThat(store.read(Key.of("k"))).containsExactly(delete);
        settle();
        assertThat(store.read(Key.of("k"))).containsExactly(delete);
    }

    @Test
    void applyingARecordAgainChangesNothing() {
        Record r = write("k", A, VersionVector.EMPTY, "v");
        store.apply(r, Durability.PERIODIC);
        settle();
        store.apply(List.of(r, r), Durability.PERIODIC);
        assertThat(store.read(Key.of("k"))).containsExactly(r);
        settle();
        assertThat(store.read(Key.of("k"))).containsExactly(r);
    }

    @Test
    void anOldRecordArrivingLateStaysObsolete() {
        Record old = write("k", A, VersionVector.EMPTY, "old");
        Record newer = write("k", B, Causality.join(List.of(old)), "new");
        store.apply(newer, Durability.PERIODIC);
        settle();
        store.apply(old, Durability.PERIODIC); // read repair or a hint delivering history
        assertThat(store.read(Key.of("k"))).containsExactly(newer);
        settle();
        assertThat(store.read(Key.of("k"))).containsExactly(newer);
    }

    @Test
    void oversizedKeysAndValuesAreRefusedAndNothingOfTheBatchIsWritten() {
        Record fine = write("fine", A, VersionVector.EMPTY, "ok");
        Record bigKey = write("k".repeat((int) MAX_KEY_BYTES + 1), A, VersionVector.EMPTY, "v");
        Record bigValue = write("k", A, VersionVector.EMPTY, "x".repeat((int) MAX_VALUE_BYTES + 1));

        assertThatThrownBy(() -> store.apply(List.of(fine, bigKey), Durability.DURABLE))
                .isInstanceOf(SizeLimitExceededException.class)
                .hasMessageContaining("65 bytes")
                .hasMessageContaining("storage.max_key_bytes");
        assertThatThrownBy(() -> store.apply(List.of(fine, bigValue), Durability.PERIODIC))
                .isInstanceOf(SizeLimitExceededException.class)
                .hasMessageContaining("storage.max_value_bytes");
        assertThat(store.read(Key.of("fine"))).isEmpty();
        settle();
        assertThat(store.read(Key.of("fine"))).isEmpty();

        Record exactlyAtLimits = write("k".repeat((int) MAX_KEY_BYTES), A, VersionVector.EMPTY,
                "x".repeat((int) MAX_VALUE_BYTES));
        store.apply(exactlyAtLimits, Durability.PERIODIC);
        assertThat(store.read(exactlyAtLimits.key())).containsExactly(exactlyAtLimits);
    }

    @Test
    void scansVisitKeysInTokenOrderWithinTheRange() {
        TreeMap<Key, Record> expected = new TreeMap<>();
        for (int i = 0; i < 300; i++) {
            Record r = write("key-" + i, i % 2 == 0 ? A : B, VersionVector.EMPTY, "v" + i);
            store.apply(r, Durability.PERIODIC);
            expected.put(r.key(), r);
            if (i == 100 || i == 200) {
                settle();
            }
        }
        assertThat(scan(TokenRange.full())).containsExactlyElementsOf(expected.values());

        long[] tokens = expected.keySet().stream().mapToLong(Key::token).toArray();
        long start = tokens[40];
        long end = tokens[250];
        assertThat(scan(TokenRange.of(start, end)))
                .containsExactlyElementsOf(expected.values().stream()
                        .filter(r -> r.key().token() > start && r.key().token() <= end).toList());

        // A wrapping range yields the part after its start first, then the part up to its end.
        List<Record> wrapped = scan(TokenRange.of(end, start));
        List<Record> expectWrapped = new ArrayList<>();
        expected.values().stream().filter(r -> r.key().token() > end).forEach(expectWrapped::add);
        expected.values().stream().filter(r -> r.key().token() <= start).forEach(expectWrapped::add);
        assertThat(wrapped).containsExactlyElementsOf(expectWrapped);

        assertThat(scan(TokenRange.of(Token.MAX, Token.MIN + 1))).isEmpty();
    }

    @Test
    void scansResolveEachKeyAcrossLayers() {
        Record a = write("k", A, VersionVector.EMPTY, "a");
        store.apply(a, Durability.PERIODIC);
        settle();
        Record b = write("k", B, VersionVector.EMPTY, "b");
        store.apply(b, Durability.PERIODIC);
        List<Record> both = scan(TokenRange.full());
        assertThat(both).containsExactlyInAnyOrder(a, b);
        assertThat(both).isSortedAccordingTo(Comparator.comparing(Record::dot));

        Record c = write("k", A, Causality.join(List.of(a, b)), "c");
        store.apply(c, Durability.PERIODIC);
        assertThat(scan(TokenRange.full())).containsExactly(c);
    }

    @Test
    void manyKeysSurviveLayeringAndReadBackExactly() {
        Random random = new Random(7);
        TreeMap<Key, List<Record>> model = new TreeMap<>();
        for (int i = 0; i < 2_000; i++) {
            String key = "k" + random.nextInt(500);
            List<Record> current = model.getOrDefault(Key.of(key), List.of());
            VersionVector context = random.nextBoolean() ? Causality.join(current) : VersionVector.EMPTY;
            Record r = write(key, random.nextBoolean() ? A : B, context, random.nextInt(10) == 0 ? null : "v" + i);
            store.apply(r, Durability.PERIODIC);
            model.merge(r.key(), List.of(r), Causality::merge);
            if (i % 500 == 499) {
                settle();
            }
        }
        for (var e : model.entrySet()) {
            assertThat(store.read(e.getKey())).as("key %s", e.getKey()).isEqualTo(e.getValue());
        }
        List<Record> all = new ArrayList<>();
        model.values().forEach(all::addAll);
        assertThat(scan(TokenRange.full())).containsExactlyElementsOf(all);
    }

    /** Random writes over 400 keys, spread over the store's layers: some settled, some flushed, the rest in memory. */
    private void writeSpread(Random random, int writes, TreeMap<Key, List<Record>> model, Set<Key> everWritten) {
        for (int i = 0; i < writes; i++) {
            String key = "k" + random.nextInt(400);
            List<Record> current = model.getOrDefault(Key.of(key), List.of());
            VersionVector context = random.nextBoolean() ? Causality.join(current) : VersionVector.EMPTY;
            Record r = write(key, random.nextBoolean() ? A : B, context, random.nextInt(10) == 0 ? null : "v" + i);
            store.apply(r, Durability.PERIODIC);
            model.merge(r.key(), List.of(r), Causality::merge);
            everWritten.add(r.key());
            if (i == writes / 4) {
                settle();
            } else if (i == writes / 2 || i == writes * 3 / 4) {
                store.flush();
            }
        }
    }

    private void retainOnlyAndCheck(List<TokenRange> keep, TreeMap<Key, List<Record>> model, Set<Key> everWritten) {
        long outside = model.keySet().stream().filter(k -> !inAny(keep, k)).count();
        long dropped = store.retainOnly(keep);
        model.keySet().removeIf(k -> !inAny(keep, k));
        if (countsDroppedKeysExactly() || outside == 0) {
            assertThat(dropped).as("keys dropped keeping %s", keep).isEqualTo(outside);
        } else {
            assertThat(dropped).as("keys dropped keeping %s", keep).isGreaterThanOrEqualTo(outside);
        }
        assertHoldsExactly(model, everWritten, "after retainOnly " + keep);
    }

    private static boolean inAny(List<TokenRange> ranges, Key key) {
        return ranges.stream().anyMatch(r -> r.contains(key.token()));
    }

    /** Every key ever written reads as the model says (nothing when dropped), and a scan yields the model. */
    private void assertHoldsExactly(TreeMap<Key, List<Record>> model, Set<Key> everWritten, String when) {
        for (Key k : everWritten) {
            assertThat(store.read(k)).as("read of %s %s", k, when).isEqualTo(model.getOrDefault(k, List.of()));
        }
        List<Record> all = new ArrayList<>();
        model.values().forEach(all::addAll);
        assertThat(scan(TokenRange.full())).as("scan of the ring %s", when).containsExactlyElementsOf(all);
    }

    @Test
    void retainOnlyDropsExactlyTheKeysOutsideTheKeptRangesFromEveryLayer() {
        Random random = new Random(11);
        TreeMap<Key, List<Record>> model = new TreeMap<>();
        Set<Key> everWritten = new TreeSet<>();
        writeSpread(random, 1_600, model, everWritten);

        retainOnlyAndCheck(List.of(TokenRange.full()), model, everWritten);
        long[] tokens = model.keySet().stream().mapToLong(Key::token).toArray();
        assertThat(tokens.length).isGreaterThan(300);
        // Bounds on keys' own tokens, where exclusive start and inclusive end matter; one range wraps,
        // and two overlap.
        retainOnlyAndCheck(List.of(TokenRange.of(tokens[40], tokens[120]), TokenRange.of(tokens[100], tokens[130]),
                TokenRange.of(tokens[280], tokens[15])), model, everWritten);
        settle();
        assertHoldsExactly(model, everWritten, "after settling the cleanup");

        // Writes go on as before, also to dropped keys, and later cleanups drop what falls outside again.
        for (int round = 0; round < 3; round++) {
            writeSpread(random, 800, model, everWritten);
            List<TokenRange> keep = new ArrayList<>();
            long[] now = model.keySet().stream().mapToLong(Key::token).toArray();
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                keep.add(TokenRange.of(random.nextBoolean() ? random.nextLong() : now[random.nextInt(now.length)],
                        random.nextBoolean() ? random.nextLong() : now[random.nextInt(now.length)]));
            }
            retainOnlyAndCheck(keep, model, everWritten);
            retainOnlyAndCheck(keep, model, everWritten); // idempotent: drops nothing more
        }

        retainOnlyAndCheck(List.of(), model, everWritten);
        assertThat(model).isEmpty();
        settle();
        assertHoldsExactly(model, everWritten, "after settling an empty store");
        Record again = write("k1", A, VersionVector.EMPTY, "back");
        store.apply(again, Durability.PERIODIC);
        assertThat(store.read(again.key())).containsExactly(again);
        assertThat(scan(TokenRange.full())).containsExactly(again);
    }

    @Test
    void retainOnlyRefusesNullRanges() {
        List<TokenRange> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> store.retainOnly(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.retainOnly(withNull)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClosedStoreRefusesEverything() {
        store.close();
        store.close();
        assertThatThrownBy(() -> store.read(Key.of("k"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.apply(write("k", A, VersionVector.EMPTY, "v"), Durability.PERIODIC))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.scan(TokenRange.full())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.retainOnly(List.of())).isInstanceOf(IllegalStateException.class);
    }

    protected List<Record> scan(TokenRange range) {
        List<Record> out = new ArrayList<>();
        try (CloseableIterator<Record> it = store.scan(range)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }
}
