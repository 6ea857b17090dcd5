package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Settings;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import io.kvorum.core.testing.Await;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link LsmStore#retainOnly} on the files: which tables it keeps, deletes and rewrites, what a crash
 * at each of its steps leaves, and how it shares the tables with compaction. The contract tests
 * check the records; these check the machinery.
 *
 * <p>Every test keeps {@code (MIN, 0]}: keys with a token of at most 0 stay, the others go.
 */
class LsmStoreCleanupTest {
    private static final Actor ACTOR = new Actor(new NodeId(5), 0);
    private static final List<TokenRange> KEEP = List.of(TokenRange.of(Token.MIN, 0));

    @TempDir
    Path dir;

    private final List<LsmStore> opened = new ArrayList<>();
    private long counter;
    private String padding = "";

    @AfterEach
    void closeAll() {
        for (LsmStore s : opened) {
            s.close();
        }
    }

    /** No compaction unless asked for: the tests count tables. */
    private LsmStore open() {
        LsmStore s = LsmStore.builder(dir).options(LsmOptions.from(Settings.empty()
                        .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                        .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L)
                        .with(LsmSettings.COMPACTION_MIN_THRESHOLD, 64)
                        .with(LsmSettings.COMPACTION_MAX_THRESHOLD, 64)))
                .inlineBackgroundWork().open();
        opened.add(s);
        return s;
    }

    private static boolean kept(Key k) {
        return k.token() <= 0;
    }

    private Record value(String key) {
        return Record.value(Key.of(key), new Dot(ACTOR, ++counter), VersionVector.EMPTY, System.currentTimeMillis(),
                ("v-" + key + padding).getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code count} keys named {@code prefix-i} that pass {@code which} and flushes them to one table. */
    private List<Record> table(LsmStore s, String prefix, int count, java.util.function.Predicate<Key> which) {
        List<Record> written = new ArrayList<>();
        for (int i = 0; written.size() < count; i++) {
            Record r = value(prefix + "-" + i);
            if (which.test(r.key())) {
                s.apply(r, Durability.PERIODIC);
                written.add(r);
            }
        }
        s.flush();
        return written;
    }

    private List<Record> keptTable(LsmStore s, String prefix) {
        return table(s, prefix, 200, LsmStoreCleanupTest::kept);
    }

    private List<Record> droppedTable(LsmStore s, String prefix) {
        return table(s, prefix, 200, k -> !kept(k));
    }

    private List<Record> mixedTable(LsmStore s, String prefix) {
        return table(s, prefix, 400, k -> true);
    }

    @Test
    void tablesInsideTheKeptRangesStayThoseOutsideGoAndMixedOnesAreRewritten() throws IOException {
        LsmStore s = open();
        List<Record> all = new ArrayList<>();
        all.addAll(keptTable(s, "inside"));
        long inside = s.generations()[0];
        all.addAll(droppedTable(s, "outside"));
        long outside = s.generations()[0];
        all.addAll(mixedTable(s, "mixed"));
        long mixed = s.generations()[0];
        // Two keys on either side of 0, the one above kept by a range of its own: the table's span
        // reaches into dropped ranges, yet it has no key to drop.
        Record low = firstWhere("straddling", LsmStoreCleanupTest::kept);
        Record high = firstWhere("straddling", k -> !kept(k));
        s.apply(List.of(low, high), Durability.PERIODIC);
        s.flush();
        all.addAll(List.of(low, high));
        long straddling = s.generations()[0];
        List<TokenRange> keep = List.of(KEEP.get(0), TokenRange.of(high.key().token() - 1, high.key().token()));
        // And a kept and a dropped key left in the memtable, which the cleanup flushes first.
        Record memtableLow = firstWhere("memtable", LsmStoreCleanupTest::kept);
        Record memtableHigh = firstWhere("memtable", k -> !kept(k));
        s.apply(List.of(memtableLow, memtableHigh), Durability.PERIODIC);
        all.addAll(List.of(memtableLow, memtableHigh));

        long dropped = all.stream().filter(r -> keep.stream().noneMatch(k -> k.contains(r.key().token()))).count();
        assertThat(s.retainOnly(keep)).as("each key was in one table: the count is exact").isEqualTo(dropped);

        assertHoldsExactly(s, all, keep);
        long[] after = s.generations();
        assertThat(after).as("inside and straddling stay, outside goes, mixed and the memtable's table are rewritten")
                .hasSize(4).contains(inside, straddling).doesNotContain(outside, mixed);
        assertThat(after[0]).isGreaterThan(straddling + 1);
        assertThat(after[1]).isGreaterThan(straddling + 1);
        assertThat(compactionLogsAndTemporaries()).isEmpty();

        s.close();
        opened.remove(s);
        LsmStore again = open();
        assertHoldsExactly(again, all, keep);
        assertThat(again.retainOnly(keep)).as("nothing more to drop").isZero();
        assertThat(again.generations()).containsExactly(after);
        Record back = value(firstWhere("after", k -> !kept(k)).key().toString());
        again.apply(back, Durability.PERIODIC);
        assertThat(again.read(back.key())).containsExactly(back);
    }

    /** A new record of the first key named {@code prefix-i} that passes {@code which}. */
    private Record firstWhere(String prefix, java.util.function.Predicate<Key> which) {
        for (int i = 0; ; i++) {
            if (which.test(Key.of(prefix + "-" + i))) {
                return value(prefix + "-" + i);
            }
        }
    }

    /**
     * Four tables, oldest first: inside (untouched), outside (deleted), two mixed (rewritten); the
     * cleanup visits the last three in that order. A crash at each step of the n-th of them leaves the
     * tables before it cleaned and the rest as they were, every kept key intact; running the cleanup
     * again finishes the job.
     */
    @ParameterizedTest(name = "{0} of table {1}")
    @CsvSource({
            "cleanup:output-written, 1, 0", "cleanup:committed, 1, 1", "cleanup:table-done, 1, 1",
            "cleanup:output-written, 2, 1", "cleanup:committed, 2, 2", "cleanup:table-done, 2, 2",
            "cleanup:output-written, 3, 2", "cleanup:committed, 3, 3"})
    void aCrashInACleanupLeavesEachTableOldOrNewAndARerunFinishes(String point, int nth, int tablesDone)
            throws IOException {
        LsmStore s = open();
        List<List<Record>> tables = List.of(keptTable(s, "inside"), droppedTable(s, "outside"),
                mixedTable(s, "mixed1"), mixedTable(s, "mixed2"));
        List<Record> all = tables.stream().flatMap(List::stream).toList();
        s.crashPoints = crashAt(point, nth);
        assertThatThrownBy(() -> s.retainOnly(KEEP)).isInstanceOf(StorageException.class)
                .hasMessageContaining("simulated crash at " + point);
        opened.remove(s);
        s.crashForTest();

        LsmStore again = open();
        assertThat(compactionLogsAndTemporaries()).as("recovery resolves every cleanup log").isEmpty();
        for (int t = 0; t < tables.size(); t++) {
            boolean cleaned = t >= 1 && t <= tablesDone;
            for (Record r : tables.get(t)) {
                List<Record> expected = kept(r.key()) || !cleaned ? List.of(r) : List.of();
                assertThat(again.read(r.key())).as("%s of table %d after a crash at %s of table %d", r.key(), t,
                        point, nth).isEqualTo(expected);
            }
        }
        long left = 0;
        for (int t = 1 + tablesDone; t < tables.size(); t++) {
            left += tables.get(t).stream().filter(r -> !kept(r.key())).count();
        }
        assertThat(again.retainOnly(KEEP)).isEqualTo(left);
        assertHoldsExactly(again, all, KEEP);
    }

    /**
     * A compaction between two steps of a cleanup merges the tables the cleanup has not reached yet.
     * It must drop their dropped keys itself, or they would survive in its output; a record written
     * meanwhile is not the cleanup's business and stays until the next one.
     */
    @Test
    void aCompactionInTheMiddleOfACleanupDropsTheKeysOfTablesNotYetCleaned() {
        LsmStore s = open();
        List<Record> all = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            all.addAll(mixedTable(s, "mixed" + t));
        }
        long outside = all.stream().filter(r -> !kept(r.key())).count();
        Record meanwhile = value("written-meanwhile-0");
        for (int i = 1; kept(meanwhile.key()); i++) {
            meanwhile = value("written-meanwhile-" + i);
        }
        Record duringCleanup = meanwhile;
        AtomicBoolean compacted = new AtomicBoolean();
        s.crashPoints = point -> {
            if (point.equals(CrashPoints.CLEANUP_TABLE_DONE) && compacted.compareAndSet(false, true)) {
                s.apply(duringCleanup, Durability.PERIODIC);
                s.flush();
                s.compact();
                assertThat(s.stats().sstables()).isEqualTo(1);
            }
        };
        long dropped = s.retainOnly(KEEP);
        assertThat(compacted).isTrue();
        assertThat(dropped).isEqualTo(outside);
        assertThat(s.read(duringCleanup.key())).containsExactly(duringCleanup);
        List<Record> expected = new ArrayList<>(all);
        expected.add(duringCleanup);
        assertHoldsExactly(s, expected, List.of(KEEP.get(0), TokenRange.of(duringCleanup.key().token() - 1,
                duringCleanup.key().token())));

        s.crashPoints = CrashPoints.NONE;
        assertThat(s.retainOnly(KEEP)).isEqualTo(1);
        assertHoldsExactly(s, expected, KEEP);
    }

    @Test
    void aLeveledCleanupKeepsEachTableAtItsLevelAndTheLevelsDisjoint() {
        LsmStore s = LsmStore.builder(dir).options(LsmOptions.from(Settings.empty()
                        .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                        .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L)
                        .with(LsmSettings.COMPACTION_STRATEGY, CompactionStrategy.LEVELED)
                        .with(LsmSettings.LEVELED_TABLE_BYTES, 64L * 1024)))
                .inlineBackgroundWork().open();
        opened.add(s);
        padding = "x".repeat(300);
        List<Record> all = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            all.addAll(mixedTable(s, "m" + t));
        }
        s.compact();
        all.addAll(mixedTable(s, "level0"));
        List<TableInfo> before = s.tables();
        assertThat(before.stream().filter(t -> t.level() > 0).count()).as("split output").isGreaterThan(2);

        s.retainOnly(KEEP);

        assertHoldsExactly(s, all, KEEP);
        List<TableInfo> after = s.tables();
        assertThat(after.stream().mapToInt(TableInfo::level).sorted().toArray()).as("levels of what is left")
                .isEqualTo(before.stream().filter(t -> kept(t.firstKey())).mapToInt(TableInfo::level).sorted()
                        .toArray());
        for (TableInfo a : after) {
            assertThat(kept(a.lastKey())).isTrue();
            for (TableInfo b : after) {
                if (a != b && a.level() > 0 && a.level() == b.level()) {
                    assertThat(a.overlaps(b.firstKey(), b.lastKey())).isFalse();
                }
            }
        }
    }

    /** With the store's own threads flushing and compacting, and writers going on, a cleanup loses no kept write. */
    @Test
    void aCleanupAlongsideBackgroundFlushesCompactionsAndWritesLosesNothingKept() throws Exception {
        LsmStore s = LsmStore.open(dir, LsmOptions.from(Settings.empty()
                .with(LsmSettings.MEMTABLE_MAX_BYTES, 64L * 1024)
                .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L)
                .with(LsmSettings.COMPACTION_MIN_THRESHOLD, 2)));
        opened.add(s);
        List<Record> before = new ArrayList<>();
        byte[] payload = new byte[100];
        for (int i = 0; i < 6_000; i++) {
            Record r = Record.value(Key.of("before-" + i), new Dot(ACTOR, ++counter), VersionVector.EMPTY, 1, payload);
            s.apply(r, Durability.PERIODIC);
            before.add(r);
        }
        ConcurrentLinkedQueue<Record> during = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Actor writerActor = new Actor(new NodeId(6), 0);
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; !stop.get() || i < 2_000; i++) {
                    Record r = Record.value(Key.of("during-" + i), new Dot(writerActor, i + 1), VersionVector.EMPTY, 1,
                            payload);
                    if (kept(r.key())) {
                        s.apply(r, Durability.PERIODIC);
                        during.add(r);
                    }
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        }, "writer-during-cleanup");
        writer.start();
        long dropped = s.retainOnly(KEEP);
        stop.set(true);
        writer.join(60_000);
        assertThat(writerFailure.get()).isNull();
        assertThat(dropped).isGreaterThanOrEqualTo(before.stream().filter(r -> !kept(r.key())).count());
        for (Record r : before) {
            assertThat(s.read(r.key())).as("%s", r.key()).isEqualTo(kept(r.key()) ? List.of(r) : List.of());
        }
        for (Record r : during) {
            assertThat(s.read(r.key())).as("%s", r.key()).containsExactly(r);
        }
    }

    /** Close waits for the table being cleaned, then the cleanup stops; nothing kept is lost. */
    @Test
    void closingDuringACleanupStopsItWithoutHarm() throws Exception {
        LsmStore s = open();
        List<Record> all = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            all.addAll(mixedTable(s, "mixed" + t));
        }
        Thread closer = new Thread(s::close, "closer");
        s.crashPoints = point -> {
            if (point.equals(CrashPoints.CLEANUP_OUTPUT_WRITTEN) && closer.getState() == Thread.State.NEW) {
                closer.start();
                // It parks on the compaction lock, which this step holds.
                Await.until("close waits for the cleanup step", Duration.ofSeconds(30),
                        () -> closer.getState() == Thread.State.WAITING);
            }
        };
        assertThatThrownBy(() -> s.retainOnly(KEEP)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        closer.join(60_000);
        assertThat(closer.isAlive()).isFalse();
        opened.remove(s);

        LsmStore again = open();
        assertThat(compactionLogsAndTemporaries()).isEmpty();
        for (Record r : all) {
            if (kept(r.key())) {
                assertThat(again.read(r.key())).containsExactly(r);
            }
        }
        assertThat(again.stats().sstables()).as("one table cleaned, two not yet").isEqualTo(3);
        again.retainOnly(KEEP);
        assertHoldsExactly(again, all, KEEP);
    }

    private static void assertHoldsExactly(LsmStore s, List<Record> written, List<TokenRange> keep) {
        List<Record> expected = new ArrayList<>();
        for (Record r : written) {
            boolean stays = keep.stream().anyMatch(range -> range.contains(r.key().token()));
            assertThat(s.read(r.key())).as("read of %s", r.key()).isEqualTo(stays ? List.of(r) : List.of());
            if (stays) {
                expected.add(r);
            }
        }
        List<Record> scanned = new ArrayList<>();
        try (CloseableIterator<Record> it = s.scan(TokenRange.full())) {
            it.forEachRemaining(scanned::add);
        }
        assertThat(scanned).containsExactlyInAnyOrderElementsOf(expected);
    }

    private List<Path> compactionLogsAndTemporaries() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(LsmStore.SSTABLE_DIR))) {
            return files.filter(p -> p.getFileName().toString().endsWith(CompactionTxn.SUFFIX)
                    || p.getFileName().toString().endsWith(SSTableFormat.TMP_SUFFIX)).toList();
        }
    }

    /** Stops the store as a crash would, the {@code nth} time it reaches {@code where}. */
    private static CrashPoints crashAt(String where, int nth) {
        int[] seen = {0};
        return point -> {
            if (point.equals(where) && ++seen[0] == nth) {
                throw new SimulatedCrash(point);
            }
        };
    }

    private static final class SimulatedCrash extends Error {
        SimulatedCrash(String point) {
            super("simulated crash at " + point);
        }
    }
}
