package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Actor;
import io.kvorum.core.Causality;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Settings;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.ManualClock;
import io.kvorum.core.testing.ManualScheduler;
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
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LsmStoreTest {
    private static final Actor ACTOR = new Actor(new NodeId(42), 0);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final List<LsmStore> opened = new ArrayList<>();
    private long counter;

    @AfterEach
    void closeAll() {
        for (LsmStore s : opened) {
            s.close();
        }
    }

    private LsmStore open(Settings settings) {
        LsmStore s = LsmStore.builder(dir).options(LsmOptions.from(settings.with(LsmSettings.COMMITLOG_SEGMENT_BYTES,
                1L << 20).with(LsmSettings.MEMTABLE_MAX_BYTES, 1L << 20))).clock(clock).inlineBackgroundWork().open();
        opened.add(s);
        return s;
    }

    private LsmStore open() {
        return open(Settings.empty());
    }

    private Record value(String key, String value) {
        return Record.value(Key.of(key), new Dot(ACTOR, ++counter), VersionVector.EMPTY, clock.nowMillis(),
                value.getBytes(StandardCharsets.UTF_8));
    }

    private Record deleteOf(List<Record> seen) {
        return Record.tombstone(seen.get(0).key(), new Dot(ACTOR, ++counter), Causality.join(seen), clock.nowMillis());
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() {
        open();
        assertThatThrownBy(this::open).isInstanceOf(StorageException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("in use");
    }

    @Test
    void durableWritesSurviveACrashWithTheLogTailCut() throws IOException {
        LsmStore s = open();
        List<Record> durable = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Record r = value("k" + i, "v" + i);
            s.apply(r, i % 3 == 0 ? Durability.DURABLE : Durability.PERIODIC);
            if (i % 3 == 0) {
                durable.add(r);
            }
            if (i == 150) {
                s.flush();
            }
        }
        opened.remove(s);
        CrashSimulator.crash(s, new Random(1));

        LsmStore again = open();
        for (Record r : durable) {
            assertThat(again.read(r.key())).containsExactly(r);
        }
    }

    @Test
    void aCrashAfterAFlushBeforeTheLogIsTrimmedNeitherLosesNorDuplicates() {
        LsmStore s = open();
        List<Record> written = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Record r = value("k" + i, "v" + i);
            s.apply(r, Durability.PERIODIC);
            written.add(r);
        }
        s.crashPoints = crashAt(CrashPoints.FLUSH_TABLE_WRITTEN);
        assertThatThrownBy(s::flush).isInstanceOf(StorageException.class).hasMessageContaining("simulated crash");
        opened.remove(s);
        s.crashForTest();

        LsmStore again = open();
        // The flushed table covers the log, so replay found nothing more to flush: one table, no copy.
        assertThat(again.stats().sstables()).isEqualTo(1);
        for (Record r : written) {
            assertThat(again.read(r.key())).containsExactly(r);
        }
        assertThat(scanAll(again)).hasSize(written.size());
    }

    /** A crash point that stops the store as a crash would: an error, so no clean-up runs. */
    private static CrashPoints crashAt(String where) {
        return point -> {
            if (point.equals(where)) {
                throw new SimulatedCrash(point);
            }
        };
    }

    private static final class SimulatedCrash extends Error {
        SimulatedCrash(String point) {
            super("simulated crash at " + point);
        }
    }

    private List<Record> threeTables(LsmStore s) {
        List<Record> written = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 50; i++) {
                Record r = value("t" + t + "-k" + i, "v");
                s.apply(r, Durability.PERIODIC);
                written.add(r);
            }
            s.flush();
        }
        assertThat(s.stats().sstables()).isEqualTo(3);
        return written;
    }

    @Test
    void aFailedBackgroundCompactionIsCountedAndStopsTheStore() {
        LsmStore s = open();
        List<Record> written = threeTables(s);
        s.crashPoints = crashAt(CrashPoints.COMPACTION_OUTPUT_WRITTEN);
        Record fourth = value("t3-k0", "v");
        s.apply(fourth, Durability.PERIODIC);
        written.add(fourth);
        // The fourth table makes a tier: the flush wakes the compaction agent, which fails.
        assertThatThrownBy(s::flush).isInstanceOf(StorageException.class).hasMessageContaining("simulated crash");
        assertThat(s.stats().compactionErrors()).isEqualTo(1);
        assertThat(s.stats().compactions()).isZero();
        assertThatThrownBy(() -> s.read(fourth.key())).isInstanceOf(StorageException.class);
        opened.remove(s);
        s.crashForTest();

        LsmStore again = open();
        assertThat(again.stats().compactionErrors()).isZero();
        for (Record r : written) {
            assertThat(again.read(r.key())).containsExactly(r);
        }
    }

    @Test
    void backgroundCompactionRunsOnTheStoresCompactionThreadNotOnTheSchedulers() {
        ManualScheduler timers = new ManualScheduler(clock);
        LsmStore s = LsmStore.builder(dir).options(LsmOptions.from(Settings.empty()
                        .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)))
                .clock(clock).scheduler(timers).open();
        opened.add(s);
        List<String> compactedOn = new CopyOnWriteArrayList<>();
        s.crashPoints = point -> {
            if (point.equals(CrashPoints.COMPACTION_COMMITTED)) {
                compactedOn.add(Thread.currentThread().getName());
            }
        };
        List<Record> written = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Record r = value("k" + t, "v");
            s.apply(r, Durability.PERIODIC);
            written.add(r);
            s.flush();
        }
        Await.until("the flush-woken compaction has run", Duration.ofSeconds(60), () -> s.stats().compactions() > 0);
        assertThat(compactedOn).containsOnly("kvorum-compaction");
        for (Record r : written) {
            assertThat(s.read(r.key())).containsExactly(r);
        }
    }

    @Test
    void aCrashBeforeACompactionCommitsRollsItBackOnOpen() throws IOException {
        LsmStore s = open();
        List<Record> written = threeTables(s);
        s.crashPoints = crashAt(CrashPoints.COMPACTION_OUTPUT_WRITTEN);
        assertThatThrownBy(s::compact).isInstanceOf(StorageException.class).hasMessageContaining("simulated crash");
        opened.remove(s);
        s.crashForTest();
        assertThat(tableFiles()).hasSize(4);

        LsmStore again = open();
        assertThat(again.stats().sstables()).isEqualTo(3);
        assertThat(tableFiles()).hasSize(3);
        assertThat(compactionLogs()).isEmpty();
        for (Record r : written) {
            assertThat(again.read(r.key())).containsExactly(r);
        }
    }

    @Test
    void aCrashAfterACompactionCommitsIsFinishedOnOpen() throws IOException {
        LsmStore s = open();
        List<Record> written = threeTables(s);
        s.crashPoints = crashAt(CrashPoints.COMPACTION_COMMITTED);
        assertThatThrownBy(s::compact).isInstanceOf(StorageException.class);
        opened.remove(s);
        s.crashForTest();
        assertThat(tableFiles()).hasSize(4);

        LsmStore again = open();
        assertThat(again.stats().sstables()).isEqualTo(1);
        assertThat(tableFiles()).hasSize(1);
        assertThat(compactionLogs()).isEmpty();
        for (Record r : written) {
            assertThat(again.read(r.key())).containsExactly(r);
        }
    }

    @Test
    void aLeveledCompactionSplitsItsOutputAndACrashBeforeCommitLeavesNoneOfIt() throws IOException {
        Settings leveled = Settings.empty()
                .with(LsmSettings.COMPACTION_STRATEGY, CompactionStrategy.LEVELED)
                .with(LsmSettings.LEVELED_TABLE_BYTES, 64L * 1024);
        LsmStore s = open(leveled);
        List<Record> written = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 400; i++) {
                Record r = value("t" + t + "-k" + i, "x".repeat(200));
                s.apply(r, Durability.PERIODIC);
                written.add(r);
            }
            s.flush();
        }
        s.crashPoints = crashAt(CrashPoints.COMPACTION_OUTPUT_WRITTEN);
        assertThatThrownBy(s::compact).isInstanceOf(StorageException.class);
        opened.remove(s);
        s.crashForTest();
        assertThat(tableFiles().size()).as("three inputs and several outputs").isGreaterThan(4);

        LsmStore again = open(leveled);
        assertThat(tableFiles()).hasSize(3);
        again.compact();
        assertThat(again.stats().sstables()).as("output split at 64 KiB").isGreaterThan(1);
        for (Record r : written) {
            assertThat(again.read(r.key())).containsExactly(r);
        }
    }

    @Test
    void anExpiredTombstoneIsPurgedOnlyWhenNothingElseMayHoldItsKey() {
        long graceMs = TimeUnit.DAYS.toMillis(1);
        LsmStore s = open(Settings.empty().with(LsmSettings.TOMBSTONE_GC_GRACE_MS, graceMs));
        Record v = value("gone", "v");
        s.apply(v, Durability.PERIODIC);
        s.flush();
        Record tombstone = deleteOf(List.of(v));
        s.apply(tombstone, Durability.PERIODIC);
        s.flush();

        s.compact();
        assertThat(s.read(Key.of("gone"))).containsExactly(tombstone);

        clock.advance(graceMs + 1, TimeUnit.MILLISECONDS);
        Record concurrent = value("gone", "written-meanwhile"); // in the memtable, concurrent with the tombstone
        s.apply(concurrent, Durability.PERIODIC);
        s.compact();
        assertThat(s.read(Key.of("gone"))).containsExactlyInAnyOrder(tombstone, concurrent);
        assertThat(s.stats().tombstonesPurged()).isZero();

        s.flush();
        s.compact();
        assertThat(s.read(Key.of("gone"))).containsExactly(concurrent);
        assertThat(s.stats().tombstonesPurged()).isEqualTo(1);
    }

    @Test
    void aLoneExpiredTombstoneLeavesNothingBehind() {
        LsmStore s = open(Settings.empty().with(LsmSettings.TOMBSTONE_GC_GRACE_MS, 1000L));
        Record v = value("k", "v");
        s.apply(v, Durability.PERIODIC);
        s.apply(deleteOf(List.of(v)), Durability.PERIODIC);
        s.flush();
        clock.advance(2, TimeUnit.SECONDS);
        s.compact();
        assertThat(s.read(Key.of("k"))).isEmpty();
        assertThat(scanAll(s)).isEmpty();
        s.close();
        assertThat(open().read(Key.of("k"))).isEmpty();
    }

    @Test
    void aDamagedSSTableStopsTheOpenAndNamesTheFile() throws IOException {
        LsmStore s = open();
        s.apply(value("k", "v"), Durability.PERIODIC);
        s.close();
        Path table = tableFiles().get(0);
        FileDamage.flipByte(table, Files.size(table) - 10);
        assertThatThrownBy(this::open).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(table.toString());
    }

    @Test
    void aDamagedSyncedLogEntryStopsTheOpenUnlessThePolicySaysSkip() throws IOException {
        LsmStore s = open();
        s.apply(value("first", "needle-value"), Durability.DURABLE);
        s.apply(value("second", "v"), Durability.DURABLE);
        opened.remove(s);
        s.crashForTest();

        Path segment = findSegmentContaining("needle-value");
        FileDamage.flipByte(segment, indexOf(segment, "needle-value"));
        assertThatThrownBy(this::open).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(segment.getFileName().toString())
                .hasMessageContaining("storage.commitlog_corruption_policy");

        LsmStore skipping = open(Settings.empty().with(LsmSettings.COMMITLOG_CORRUPTION_POLICY,
                CorruptionPolicy.SKIP_REST_OF_SEGMENT));
        assertThat(skipping.read(Key.of("first"))).isEmpty();
    }

    @Test
    void withBackgroundThreadsManyMemtablesFlushAndCompactWithoutLoss() {
        LsmStore s = LsmStore.open(dir, LsmOptions.from(Settings.empty()
                .with(LsmSettings.MEMTABLE_MAX_BYTES, 1L << 20)
                .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)));
        opened.add(s);
        byte[] payload = new byte[200];
        for (int i = 0; i < 20_000; i++) {
            s.apply(Record.value(Key.of("key-" + i), new Dot(ACTOR, ++counter), VersionVector.EMPTY, 1, payload),
                    Durability.PERIODIC);
        }
        s.flush();
        assertThat(s.stats().flushes()).isGreaterThan(3);
        Await.until("a background compaction has run", Duration.ofSeconds(60), () -> s.stats().compactions() > 0);
        for (int i = 0; i < 20_000; i += 97) {
            assertThat(s.read(Key.of("key-" + i))).hasSize(1);
        }
        assertThat(scanAll(s)).hasSize(20_000);
    }

    @Test
    void writersWaitWhileTooManyMemtablesAwaitTheirFlushAndResumeAfter() throws Exception {
        BlockingQueue<Runnable> heldFlushes = new LinkedBlockingQueue<>();
        AtomicBoolean holding = new AtomicBoolean(true);
        Executor flushes = task -> {
            if (holding.get()) {
                heldFlushes.add(task);
            } else {
                task.run();
            }
        };
        LsmStore s = LsmStore.builder(dir)
                .options(LsmOptions.from(Settings.empty()
                        .with(LsmSettings.MEMTABLE_MAX_BYTES, 64L * 1024)
                        .with(LsmSettings.MAX_PENDING_FLUSHES, 2)
                        .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)))
                .clock(clock).inlineBackgroundWork().flushExecutor(flushes).open();
        opened.add(s);
        byte[] value = new byte[1000];
        try {
            // Freeze two memtables, whose flushes are held back, then fill the active one, counting its
            // bytes as the store does: a write that freezes a memtable lands in the new one.
            long activeBytes = 0;
            for (int i = 0; s.stats().pendingFlushes() < 2 || activeBytes < 64 * 1024; i++) {
                int pendingBefore = s.stats().pendingFlushes();
                Record r = Record.value(Key.of("k" + i), new Dot(ACTOR, ++counter), VersionVector.EMPTY, 1, value);
                s.apply(r, Durability.PERIODIC);
                activeBytes = s.stats().pendingFlushes() > pendingBefore ? r.estimatedHeapBytes()
                        : activeBytes + r.estimatedHeapBytes();
            }
            // The next writer must wait for a flush slot.
            Record blocked = Record.value(Key.of("blocked"), new Dot(ACTOR, ++counter), VersionVector.EMPTY, 1, value);
            Thread writer = new Thread(() -> s.apply(blocked, Durability.PERIODIC), "blocked-writer");
            writer.start();
            Await.until("the writer waits for a flush", Duration.ofSeconds(30),
                    () -> writer.getState() == Thread.State.WAITING);
            assertThat(s.stats().writeStalls()).isEqualTo(1);
            assertThat(s.read(blocked.key())).isEmpty();

            heldFlushes.take().run();
            writer.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(writer.isAlive()).isFalse();
            assertThat(s.read(blocked.key())).containsExactly(blocked);
        } finally {
            holding.set(false);
            Runnable flush;
            while ((flush = heldFlushes.poll()) != null) {
                flush.run();
            }
        }
    }

    @Test
    void theTableCountStaysUnderMaxOpenFiles() {
        LsmStore s = open(Settings.empty()
                .with(LsmSettings.MAX_OPEN_FILES, 16)
                .with(LsmSettings.COMPACTION_MIN_THRESHOLD, 64)
                .with(LsmSettings.COMPACTION_MAX_THRESHOLD, 64));
        int maxSeen = 0;
        for (int t = 0; t < 40; t++) {
            s.apply(value("k" + t, "v"), Durability.PERIODIC);
            s.flush();
            maxSeen = Math.max(maxSeen, s.stats().sstables());
        }
        assertThat(maxSeen).isLessThan(16);
        for (int t = 0; t < 40; t++) {
            assertThat(s.read(Key.of("k" + t))).hasSize(1);
        }
    }

    private static List<Record> scanAll(LsmStore s) {
        List<Record> out = new ArrayList<>();
        try (CloseableIterator<Record> it = s.scan(TokenRange.full())) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private List<Path> tableFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(LsmStore.SSTABLE_DIR))) {
            return files.filter(p -> SSTableFormat.generationOf(p) >= 0).sorted().toList();
        }
    }

    private List<Path> compactionLogs() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(LsmStore.SSTABLE_DIR))) {
            return files.filter(p -> p.getFileName().toString().endsWith(CompactionTxn.SUFFIX)).toList();
        }
    }

    private Path findSegmentContaining(String needle) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(LsmStore.COMMITLOG_DIR))) {
            for (Path p : files.sorted().toList()) {
                if (indexOf(p, needle) >= 0) {
                    return p;
                }
            }
        }
        throw new AssertionError(needle + " not in any segment");
    }

    private static long indexOf(Path file, String needle) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + n.length <= all.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (all[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
