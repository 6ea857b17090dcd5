package io.kvorum.hints;

import static io.kvorum.hints.HintFixtures.A;
import static io.kvorum.hints.HintFixtures.B;
import static io.kvorum.hints.HintFixtures.charge;
import static io.kvorum.hints.HintFixtures.diskBytes;
import static io.kvorum.hints.HintFixtures.ids;
import static io.kvorum.hints.HintFixtures.readAll;
import static io.kvorum.hints.HintFixtures.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.NodeId;
import io.kvorum.core.Settings;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.testing.ManualClock;
import io.kvorum.storage.Durability;
import io.kvorum.storage.StorageException;
import io.kvorum.storage.lsm.CorruptionPolicy;
import io.kvorum.storage.lsm.EntryLog;
import io.kvorum.storage.lsm.LsmSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hint store case by case: order and acknowledgements across restarts, durability across a crash,
 * each bound with its exact counts, truncation, freed segments and disk across restarts, damage to
 * each part of a segment and to the checkpoint under both policies, misuse, and concurrent adds
 * beside a delivering thread. {@link HintStoreProperties} checks the same against a model.
 */
class HintStoreTest {
    private static final long KIB = 1024;
    private static final long HOUR = 3_600_000;
    private static final int VALUE_BYTES = 100;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final List<HintStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        for (HintStore s : opened) {
            s.close();
        }
    }

    private static HintOptions options(long perTarget, long total, long windowMs, long segmentBytes,
                                       CorruptionPolicy policy) {
        return new HintOptions(perTarget, total, windowMs, segmentBytes, 1000, policy);
    }

    private static HintOptions small() {
        return options(1024 * KIB, 4096 * KIB, HOUR, 4 * KIB, CorruptionPolicy.STOP);
    }

    private HintStore open(HintOptions options) {
        HintStore s = HintStore.open(dir, options, clock);
        opened.add(s);
        return s;
    }

    private boolean add(HintStore s, NodeId target, int id, Durability durability) {
        return s.add(target, clock.nowMillis(), records(id, VALUE_BYTES), durability);
    }

    private void addAll(HintStore s, NodeId target, IntStream ids, Durability durability) {
        ids.forEach(id -> assertThat(add(s, target, id, durability)).as("hint %d accepted", id).isTrue());
    }

    private long chargeOf(int id) {
        return charge(clock.nowMillis(), id, VALUE_BYTES);
    }

    // ---- order, delivery, restarts ----

    @Test
    void hintsComeBackInTheOrderAddedAndAcknowledgedOnesNeverAgainAcrossARestart() {
        HintStore s = open(small());
        addAll(s, A, IntStream.range(10, 90), Durability.PERIODIC);
        addAll(s, B, IntStream.range(10, 20), Durability.DURABLE);

        HintBatch first = s.next(A, HintCursor.START, 1000);
        assertThat(first.hints().size()).isBetween(2, 10);
        assertThat(ids(first.hints())).isEqualTo(IntStream.range(10, 10 + first.hints().size()).boxed().toList());
        assertThat(first.hints().get(0).records()).isEqualTo(records(10, VALUE_BYTES));
        assertThat(first.hints().get(0).createdAtMillis()).isEqualTo(clock.nowMillis());
        HintBatch second = s.next(A, first.end(), 1000);
        assertThat(idOfFirst(second)).isEqualTo(10 + first.hints().size());
        assertThat(s.next(A, HintCursor.START, 1000)).as("nothing acknowledged yet: from the start").isEqualTo(first);

        assertThat(s.acknowledge(A, second.end())).isEqualTo(first.hints().size() + second.hints().size());
        assertThat(s.acknowledge(A, first.end())).as("already acknowledged").isZero();
        int deliveredCount = first.hints().size() + second.hints().size();
        assertThat(idOfFirst(s.next(A, HintCursor.START, 1000))).isEqualTo(10 + deliveredCount);
        assertThat(idOfFirst(s.next(A, first.end(), 1000))).as("an old cursor starts after the acknowledgement")
                .isEqualTo(10 + deliveredCount);
        HintStats stats = s.stats(A);
        assertThat(stats.hints()).isEqualTo(80 - deliveredCount);
        assertThat(stats.delivered()).isEqualTo(deliveredCount);
        long bytes = IntStream.range(10 + deliveredCount, 90).mapToLong(this::chargeOf).sum();
        assertThat(stats.bytes()).isEqualTo(bytes);
        assertThat(s.totalBytes()).isEqualTo(bytes + IntStream.range(10, 20).mapToLong(this::chargeOf).sum());
        assertThat(s.targets()).containsExactly(A, B);
        s.close();

        HintStore again = open(small());
        assertThat(ids(readAll(again, A))).isEqualTo(IntStream.range(10 + deliveredCount, 90).boxed().toList());
        assertThat(ids(readAll(again, B))).isEqualTo(IntStream.range(10, 20).boxed().toList());
        assertThat(again.stats(A).hints()).isEqualTo(80 - deliveredCount);
    }

    private static int idOfFirst(HintBatch b) {
        return HintFixtures.idOf(b.hints().get(0));
    }

    @Test
    void aDurableHintSurvivesACrashThatDestroysEverythingNotFsynced() throws IOException {
        HintStore s = open(options(1024 * KIB, 4096 * KIB, HOUR, 64 * KIB, CorruptionPolicy.STOP));
        addAll(s, A, IntStream.range(10, 30), Durability.DURABLE);
        addAll(s, A, IntStream.range(30, 40), Durability.PERIODIC);
        EntryLog log = s.target(A).log();
        long synced = log.syncedPosition();
        long written = log.writtenPosition();
        assertThat(written >>> 32).as("one segment").isEqualTo(synced >>> 32);
        assertThat(written).isGreaterThan(synced);
        s.crashForTest();
        Path file = EntryLog.segmentPath(dir.resolve(A.toString()), synced >>> 32);
        HintFixtures.overwrite(file, synced & 0xffffffffL, written - synced, new Random(1));

        try (LogCapture logs = new LogCapture("io.kvorum")) {
            HintStore again = open(small());
            assertThat(ids(readAll(again, A))).isEqualTo(IntStream.range(10, 30).boxed().toList());
            assertThat(logs.warnings()).singleElement().satisfies(line -> assertThat(line)
                    .contains(file.toString()).contains("torn write at offset " + (synced & 0xffffffffL)));
        }
    }

    @Test
    void acknowledgingFreesWholeSegmentsAndATargetWithNothingLeftHoldsNoFileAfterARestart() {
        HintStore s = open(small());
        addAll(s, A, IntStream.range(10, 99), Durability.PERIODIC);
        Path targetDir = dir.resolve(A.toString());
        int segments = s.target(A).log().segmentIds().length;
        assertThat(segments).isGreaterThan(3);

        List<Hint> all = readAll(s, A);
        s.acknowledge(A, all.get(all.size() / 2).end());
        assertThat(s.target(A).log().segmentIds().length).isLessThan(segments);
        assertThat(s.target(A).log().segmentIds()[0]).isEqualTo(all.get(all.size() / 2).end().position() >>> 32);
        s.acknowledge(A, all.get(all.size() - 1).end());
        assertThat(s.stats(A).hints()).isZero();
        assertThat(s.stats(A).bytes()).isZero();
        assertThat(s.totalBytes()).isZero();
        s.close();

        HintStore again = open(small());
        assertThat(targetDir).doesNotExist();
        assertThat(again.targets()).isEmpty();
        assertThat(diskBytes(dir)).as("the lock file only").isZero();
        addAll(again, A, IntStream.range(10, 12), Durability.DURABLE);
        assertThat(ids(readAll(again, A))).containsExactly(10, 11);
    }

    // ---- bounds ----

    @Test
    void thePerTargetBoundRefusesExactlyTheHintsThatWouldPassItAndCountsThem() {
        long thirty = IntStream.range(10, 40).mapToLong(this::chargeOf).sum();
        HintStore s = open(options(thirty, 4096 * KIB, HOUR, 4 * KIB, CorruptionPolicy.STOP));
        try (LogCapture logs = new LogCapture("io.kvorum.hints")) {
            addAll(s, A, IntStream.range(10, 40), Durability.PERIODIC);
            assertThat(add(s, A, 40, Durability.DURABLE)).isFalse();
            assertThat(add(s, A, 41, Durability.PERIODIC)).isFalse();
            addAll(s, B, IntStream.range(10, 40), Durability.PERIODIC);

            assertThat(s.stats(A).hints()).isEqualTo(30);
            assertThat(s.stats(A).bytes()).isEqualTo(thirty);
            assertThat(s.stats(A).droppedOverTargetBytes()).isEqualTo(2);
            assertThat(s.stats(A).dropped()).isEqualTo(2);
            assertThat(s.stats(B).dropped()).isZero();
            assertThat(logs.warningsContaining("hints.max_bytes_per_target")).hasSize(2)
                    .allSatisfy(line -> assertThat(line).contains(A.toString()));
        }
        List<Hint> hints = readAll(s, A);
        assertThat(ids(hints)).isEqualTo(IntStream.range(10, 40).boxed().toList());
        s.acknowledge(A, hints.get(2).end());
        addAll(s, A, IntStream.range(42, 45), Durability.PERIODIC);
        assertThat(add(s, A, 45, Durability.PERIODIC)).isFalse();
        assertThat(s.stats(A).droppedOverTargetBytes()).isEqualTo(3);
        assertThat(s.stats(A).bytes()).isEqualTo(thirty);
    }

    @Test
    void theTotalBoundIsSharedByEveryTarget() {
        long forty = IntStream.range(10, 50).mapToLong(this::chargeOf).sum();
        HintStore s = open(options(1024 * KIB, forty, HOUR, 4 * KIB, CorruptionPolicy.STOP));
        addAll(s, A, IntStream.range(10, 40), Durability.PERIODIC);
        addAll(s, B, IntStream.range(40, 50), Durability.PERIODIC);
        assertThat(add(s, B, 50, Durability.PERIODIC)).isFalse();
        assertThat(add(s, A, 51, Durability.PERIODIC)).isFalse();
        assertThat(add(s, HintFixtures.C, 52, Durability.PERIODIC)).isFalse();
        assertThat(s.totalBytes()).isEqualTo(forty);
        assertThat(s.stats(A).droppedOverTotalBytes()).isEqualTo(1);
        assertThat(s.stats(B).droppedOverTotalBytes()).isEqualTo(1);
        assertThat(s.stats(HintFixtures.C).droppedOverTotalBytes()).isEqualTo(1);
        assertThat(s.stats(B).droppedOverTargetBytes()).isZero();

        s.acknowledge(A, readAll(s, A).get(1).end());
        addAll(s, B, IntStream.range(53, 55), Durability.DURABLE);
        assertThat(add(s, B, 55, Durability.PERIODIC)).isFalse();
        assertThat(s.stats(B).droppedOverTotalBytes()).isEqualTo(2);
        assertThat(s.totalBytes()).isEqualTo(forty).isEqualTo(s.stats(A).bytes() + s.stats(B).bytes());
    }

    @Test
    void theWindowClosesOnceTheNextHintToDeliverIsOlderAndDeliveryReopensIt() {
        HintStore s = open(options(1024 * KIB, 4096 * KIB, HOUR, 4 * KIB, CorruptionPolicy.STOP));
        assertThat(s.add(A, clock.nowMillis() - HOUR - 1, records(9, 10), Durability.PERIODIC))
                .as("a hint already older than the window").isFalse();
        assertThat(add(s, A, 10, Durability.PERIODIC)).isTrue();
        clock.advance(30, TimeUnit.MINUTES);
        assertThat(add(s, A, 11, Durability.PERIODIC)).isTrue();
        assertThat(s.stats(A).oldestAgeMillis()).isEqualTo(30 * 60_000);
        clock.advance(30, TimeUnit.MINUTES);
        assertThat(add(s, A, 12, Durability.PERIODIC)).as("exactly the window: still in").isTrue();
        clock.advance(1, TimeUnit.MILLISECONDS);
        try (LogCapture logs = new LogCapture("io.kvorum.hints")) {
            assertThat(add(s, A, 13, Durability.PERIODIC)).isFalse();
            assertThat(add(s, A, 14, Durability.DURABLE)).isFalse();
            assertThat(logs.warningsContaining("hints.window_ms (1h)")).hasSize(2);
        }
        assertThat(add(s, B, 15, Durability.PERIODIC)).as("other targets are not affected").isTrue();
        assertThat(s.stats(A).droppedPastWindow()).isEqualTo(3);
        assertThat(s.stats(A).hints()).isEqualTo(3);

        // Delivering the first moves the window to the second, created 30 minutes later.
        s.acknowledge(A, s.next(A, HintCursor.START, 1).end());
        assertThat(s.stats(A).oldestAgeMillis()).isEqualTo(30 * 60_000 + 1);
        assertThat(add(s, A, 16, Durability.PERIODIC)).isTrue();
        s.close();

        // After a restart the window is still measured from the next hint to deliver.
        HintStore again = open(options(1024 * KIB, 4096 * KIB, HOUR, 4 * KIB, CorruptionPolicy.STOP));
        clock.advance(31, TimeUnit.MINUTES);
        assertThat(add(again, A, 17, Durability.PERIODIC)).isFalse();
        assertThat(again.stats(A).droppedPastWindow()).as("counts restart with the store").isEqualTo(1);
        again.truncate(A);
        assertThat(add(again, A, 18, Durability.PERIODIC)).as("nothing to deliver: a new window").isTrue();
    }

    @Test
    void truncateDropsEveryHintSoFarCountsThemAndFreesTheirBytes() {
        HintStore s = open(small());
        addAll(s, A, IntStream.range(10, 60), Durability.PERIODIC);
        addAll(s, B, IntStream.range(10, 15), Durability.PERIODIC);
        HintBatch before = s.next(A, HintCursor.START, 500);
        s.acknowledge(A, before.end());
        long left = s.stats(A).hints();

        assertThat(s.truncate(A)).isEqualTo(left);
        assertThat(s.truncate(A)).isZero();
        assertThat(s.truncate(HintFixtures.C)).isZero();
        HintStats stats = s.stats(A);
        assertThat(stats.hints()).isZero();
        assertThat(stats.bytes()).isZero();
        assertThat(stats.truncated()).isEqualTo(left);
        assertThat(stats.delivered()).isEqualTo(before.hints().size());
        assertThat(s.next(A, before.end(), 1000).isEmpty()).isTrue();
        assertThat(s.target(A).log().segmentIds()).hasSizeLessThanOrEqualTo(3);
        assertThat(s.totalBytes()).isEqualTo(s.stats(B).bytes());

        addAll(s, A, IntStream.range(60, 63), Durability.DURABLE);
        assertThat(ids(readAll(s, A))).containsExactly(60, 61, 62);
        s.close();
        assertThat(ids(readAll(open(small()), A))).as("the truncation is durable").containsExactly(60, 61, 62);
    }

    @Test
    void expiredHintsAreAcknowledgedCountedApartAndLogged() {
        HintStore s = open(small());
        addAll(s, A, IntStream.range(10, 20), Durability.PERIODIC);
        HintBatch batch = s.next(A, HintCursor.START, 100_000);
        assertThat(batch.hints()).hasSize(10);
        assertThatThrownBy(() -> s.acknowledge(A, batch.end(), 11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expired: 11").hasMessageContaining("at most the 10 hints acknowledged");
        try (LogCapture logs = new LogCapture("io.kvorum.hints")) {
            assertThat(s.acknowledge(A, batch.end(), 4)).isEqualTo(10);
            assertThat(s.acknowledge(A, batch.end(), 4)).as("already acknowledged").isZero();
            assertThat(logs.warningsContaining("Dropped 4 hints for node " + A)).singleElement().asString()
                    .contains("storage.tombstone_gc_grace_ms");
        }
        HintStats stats = s.stats(A);
        assertThat(stats.hints()).isZero();
        assertThat(stats.dropped(DropReason.EXPIRED)).isEqualTo(4);
        assertThat(stats.delivered()).isEqualTo(6);
        assertThat(stats.dropped()).isEqualTo(4);
    }

    @Test
    void aHintWindowNotBelowTheTombstoneGraceIsRefusedNamingBoth() {
        Settings settings = Settings.empty()
                .with(HintSettings.WINDOW_MS, 2 * HOUR)
                .with(LsmSettings.TOMBSTONE_GC_GRACE_MS, 2 * HOUR);
        assertThatThrownBy(() -> HintOptions.from(settings)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hints.window_ms: 2h (expected: below storage.tombstone_gc_grace_ms, 2h");
        assertThat(HintOptions.from(settings.with(HintSettings.WINDOW_MS, 2 * HOUR - 1)).windowMs())
                .isEqualTo(2 * HOUR - 1);
    }

    @Test
    void restartsWhileATargetIsAwayDoNotGrowTheDiskPastTheBound() {
        long perTarget = 64 * KIB;
        long segment = 4 * KIB;
        HintOptions o = options(perTarget, 4096 * KIB, 30L * 24 * HOUR, segment, CorruptionPolicy.STOP);
        int next = 10;
        int accepted = 0;
        for (int restart = 0; restart < 40; restart++) {
            HintStore s = open(o);
            for (int i = 0; i < 3; i++, next++) {
                if (s.add(A, clock.nowMillis(), records(next, VALUE_BYTES), Durability.PERIODIC)) {
                    accepted++;
                }
            }
            assertThat(s.stats(A).bytes()).isLessThanOrEqualTo(perTarget);
            s.crashForTest();
            assertThat(diskBytes(dir)).as("after restart %d", restart).isLessThanOrEqualTo(perTarget + 3 * segment);
        }
        assertThat(accepted).as("some restarts had to refuse hints").isLessThan(120);

        HintStore s = open(o);
        List<Hint> all = readAll(s, A);
        assertThat(all).hasSize(accepted);
        s.acknowledge(A, all.get(all.size() - 1).end());
        assertThat(s.stats(A).hints()).isZero();
        s.close();
        open(o);
        assertThat(diskBytes(dir)).isZero();
    }

    // ---- damage ----

    enum Part { SEGMENT_HEADER, ENTRY_LENGTH, ENTRY_CHECKSUM, ENTRY_BODY, SYNC_MARKER }

    /**
     * 80 hints in three segments or more, cleanly closed; after hint 15 two syncs put a sync marker
     * and a vouching one right after it. Returns the hints.
     */
    private List<Hint> closedStoreWithMarkersAfterHint15() {
        HintStore s = HintStore.open(dir, small(), clock);
        addAll(s, A, IntStream.range(10, 16), Durability.PERIODIC);
        s.sync();
        s.sync();
        addAll(s, A, IntStream.range(16, 90), Durability.PERIODIC);
        List<Hint> hints = readAll(s, A);
        s.close();
        assertThat(hints.get(hints.size() - 1).end().position() >>> 32)
                .isGreaterThan((hints.get(0).end().position() >>> 32) + 1);
        return hints;
    }

    private static long segmentOf(Hint h) {
        return h.end().position() >>> 32;
    }

    private static int offsetOf(HintCursor c) {
        return (int) (c.position() & 0xffffffffL);
    }

    @ParameterizedTest
    @EnumSource(Part.class)
    void damageToEachPartIsDetectedAndNamedStopRefusesAndSkipLosesOnlyTheRestOfThatSegment(Part part)
            throws IOException {
        List<Hint> hints = closedStoreWithMarkersAfterHint15();
        long segment = segmentOf(hints.get(0));
        List<Hint> inFirst = hints.stream().filter(h -> segmentOf(h) == segment).toList();
        assertThat(inFirst.size()).isGreaterThan(8);
        // Hint 13 (index 3) starts where hint 12 ends; the marker starts where hint 15 ends.
        int damageAt;
        int flip;
        int keep;
        switch (part) {
            case SEGMENT_HEADER -> {
                damageAt = 0;
                flip = 20;
                keep = 0;
            }
            case ENTRY_LENGTH, ENTRY_CHECKSUM, ENTRY_BODY -> {
                damageAt = offsetOf(inFirst.get(2).end());
                flip = damageAt + (part == Part.ENTRY_LENGTH ? 1 : part == Part.ENTRY_CHECKSUM ? 5 : 20);
                keep = 3;
            }
            default -> {
                damageAt = offsetOf(inFirst.get(5).end());
                flip = damageAt + 13;
                keep = 6;
            }
        }
        Path file = EntryLog.segmentPath(dir.resolve(A.toString()), segment);
        HintFixtures.flipByte(file, flip);

        assertThatThrownBy(() -> HintStore.open(dir, small(), clock))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("at offset " + damageAt + " ")
                .hasMessageContaining("hints.corruption_policy=skip_rest_of_segment");

        List<Integer> expected = new ArrayList<>(ids(inFirst.subList(0, keep)));
        expected.addAll(ids(hints.subList(inFirst.size(), hints.size())));
        HintOptions skip = options(1024 * KIB, 4096 * KIB, HOUR, 4 * KIB, CorruptionPolicy.SKIP_REST_OF_SEGMENT);
        for (int start = 0; start < 2; start++) {
            try (LogCapture logs = new LogCapture("io.kvorum")) {
                HintStore s = open(skip);
                assertThat(ids(readAll(s, A))).as("start %d", start).isEqualTo(expected);
                assertThat(s.stats(A).hints()).isEqualTo(expected.size());
                assertThat(logs.warnings()).singleElement().satisfies(line -> assertThat(line)
                        .contains(file.toString()).contains("at offset " + damageAt + " "));
                s.close();
            }
        }
    }

    @Test
    void aDamagedCheckpointStopsTheStoreOrUnderSkipDeliversAgainFromTheFirstHintKept() throws IOException {
        HintStore s = HintStore.open(dir, small(), clock);
        addAll(s, A, IntStream.range(10, 20), Durability.DURABLE);
        s.acknowledge(A, s.next(A, HintCursor.START, 300).end());
        List<Integer> left = ids(readAll(s, A));
        s.close();
        Path checkpoint = dir.resolve(A.toString()).resolve(DeliveryCheckpoint.FILE_NAME);
        HintFixtures.flipByte(checkpoint, 14);

        assertThatThrownBy(() -> HintStore.open(dir, small(), clock)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(checkpoint.toString());
        try (LogCapture logs = new LogCapture("io.kvorum")) {
            HintStore again = open(options(1024 * KIB, 4096 * KIB, HOUR, 4 * KIB,
                    CorruptionPolicy.SKIP_REST_OF_SEGMENT));
            List<Integer> got = ids(readAll(again, A));
            assertThat(got).as("every hint kept, the delivered ones again").startsWith(10).endsWith(19)
                    .containsSubsequence(left);
            assertThat(logs.warnings()).singleElement().satisfies(line -> assertThat(line)
                    .contains(checkpoint.toString()));
        }
    }

    // ---- misuse ----

    @Test
    void misuseIsRejectedShowingTheValue() {
        HintStore s = open(small());
        addAll(s, A, IntStream.range(10, 13), Durability.PERIODIC);
        HintCursor first = s.next(A, HintCursor.START, 1).end();
        HintCursor inside = new HintCursor(first.position() - 3);
        assertThatThrownBy(() -> s.acknowledge(A, inside)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the end of a hint");
        HintCursor beyond = new HintCursor(s.target(A).log().lastEntryEnd() + 1);
        assertThatThrownBy(() -> s.acknowledge(A, beyond)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most the end of the last hint");
        assertThatThrownBy(() -> s.acknowledge(B, first)).isInstanceOf(IllegalArgumentException.class);
        assertThat(s.stats(A).hints()).as("nothing acknowledged by the failures").isEqualTo(3);
        assertThatThrownBy(() -> s.next(A, HintCursor.START, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBytes: 0");
        assertThatThrownBy(() -> HintStore.open(dir, small(), clock)).isInstanceOf(StorageException.class)
                .hasMessageContaining("in use");
        s.close();
        assertThatThrownBy(() -> add(s, A, 14, Durability.PERIODIC)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> s.next(B, HintCursor.START, 10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aDirectoryThatIsNotANodesIsLeftAloneWithAWarning() throws IOException {
        Files.createDirectories(dir.resolve("not-a-node"));
        try (LogCapture logs = new LogCapture("io.kvorum.hints")) {
            HintStore s = open(small());
            assertThat(s.targets()).isEmpty();
            assertThat(logs.warningsContaining("not-a-node")).hasSize(1);
        }
        assertThat(dir.resolve("not-a-node")).exists();
    }

    // ---- concurrency ----

    @Test
    void concurrentAddsAndADeliveringThreadDeliverEveryHintOnceInEachWritersOrder() throws Exception {
        HintStore s = open(options(64 * 1024 * KIB, 64 * 1024 * KIB, HOUR, 16 * KIB, CorruptionPolicy.STOP));
        int writers = 4;
        int perWriter = 300;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        int id = writer * 10_000 + i;
                        NodeId target = i % 2 == 0 ? A : B;
                        assertThat(s.add(target, clock.nowMillis(), records(id, 50),
                                i % 3 == 0 ? Durability.DURABLE : Durability.PERIODIC)).isTrue();
                    }
                }));
            }
            Map<NodeId, List<Integer>> delivered = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int total = 0;
            while (total < writers * perWriter && System.nanoTime() < deadline) {
                for (NodeId t : List.of(A, B)) {
                    HintBatch b = s.next(t, HintCursor.START, 4000);
                    if (!b.isEmpty()) {
                        s.acknowledge(t, b.end());
                        delivered.computeIfAbsent(t, x -> new ArrayList<>()).addAll(ids(b.hints()));
                        total += b.hints().size();
                    }
                }
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(writers * perWriter);
            for (NodeId t : List.of(A, B)) {
                List<Integer> got = delivered.get(t);
                assertThat(got).doesNotHaveDuplicates().hasSize(writers * perWriter / 2);
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    List<Integer> mine = got.stream().filter(id -> id / 10_000 == writer).toList();
                    assertThat(mine).as("writer %d's hints for %s in order", w, t).isSorted();
                }
                assertThat(s.stats(t).hints()).isZero();
                assertThat(s.stats(t).delivered()).isEqualTo(writers * perWriter / 2);
            }
            assertThat(s.totalBytes()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }
}
