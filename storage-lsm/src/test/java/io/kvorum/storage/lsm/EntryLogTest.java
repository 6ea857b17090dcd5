package io.kvorum.storage.lsm;

import static io.kvorum.storage.lsm.CommitLogTest.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit log as another module sees it through {@link EntryLog}: positions that grow across
 * segments and restarts, replay and reads from any entry's end, deleting what lies before a position,
 * and damage that replay skipped staying skipped when the same bytes are read again.
 */
class EntryLogTest {
    private static final int SEGMENT_BYTES = 4096;
    private static final String KEY = "test.corruption_policy";

    @TempDir
    Path dir;

    record Entry(long end, byte[] payload) {
    }

    private static EntryLog open(Path dir, long from, CorruptionPolicy policy, List<Entry> replayed) {
        return EntryLog.open(dir, from, SEGMENT_BYTES, policy, KEY, Runnable::run,
                (end, payload) -> replayed.add(new Entry(end, payload.readBytes(payload.remaining(), "payload"))));
    }

    private static long append(EntryLog log, byte[] payload) {
        byte[] buf = new byte[EntryLog.HEADER_BYTES + payload.length];
        System.arraycopy(payload, 0, buf, EntryLog.HEADER_BYTES, payload.length);
        return log.append(buf, buf.length);
    }

    private static List<Entry> appendMany(EntryLog log, Random random, int n, int maxBytes) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] p = new byte[1 + random.nextInt(maxBytes)];
            random.nextBytes(p);
            out.add(new Entry(append(log, p), p));
        }
        return out;
    }

    private static List<Entry> readAll(EntryLog log, long from, long maxBytes) {
        List<Entry> out = new ArrayList<>();
        log.read(from, Long.MAX_VALUE, maxBytes,
                (end, payload) -> out.add(new Entry(end, payload.readBytes(payload.remaining(), "payload"))));
        return out;
    }

    private static List<String> payloads(List<Entry> entries) {
        return entries.stream().map(e -> hex(e.payload())).collect(Collectors.toList());
    }

    private static List<Long> ends(List<Entry> entries) {
        return entries.stream().map(Entry::end).collect(Collectors.toList());
    }

    @Test
    void readsFromEveryEntrysEndContinueWithTheNextAcrossSegmentsAndOnlyAsFarAsAsked() {
        List<Entry> appended;
        try (EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>())) {
            assertThat(log.segmentIds()).as("no file before the first append").isEmpty();
            appended = appendMany(log, new Random(1), 100, 400);
            assertThat(appended.get(99).end() >>> 32).as("several segments").isGreaterThan(3);

            assertThat(payloads(readAll(log, 0, Long.MAX_VALUE))).containsExactlyElementsOf(payloads(appended));
            for (int i = 0; i < appended.size(); i += 7) {
                List<Entry> rest = readAll(log, appended.get(i).end(), Long.MAX_VALUE);
                assertThat(ends(rest)).containsExactlyElementsOf(ends(appended.subList(i + 1, appended.size())));
            }
            // maxBytes: the first entry whatever its size, then only what fits.
            List<Entry> one = readAll(log, 0, 1);
            assertThat(ends(one)).containsExactly(appended.get(0).end());
            long twoFit = appended.get(0).payload().length + appended.get(1).payload().length;
            assertThat(ends(readAll(log, 0, twoFit))).containsExactly(appended.get(0).end(), appended.get(1).end());
            // untilPosition: nothing ending after it.
            List<Entry> upTo = new ArrayList<>();
            long last = log.read(0, appended.get(10).end(), Long.MAX_VALUE,
                    (end, payload) -> upTo.add(new Entry(end, null)));
            assertThat(last).isEqualTo(appended.get(10).end());
            assertThat(upTo).hasSize(11);
            assertThat(log.read(log.lastEntryEnd(), Long.MAX_VALUE, 100, (end, payload) -> {
                throw new AssertionError("nothing after the last entry");
            })).isEqualTo(log.lastEntryEnd());
        }
    }

    @Test
    void replayFromAPositionResumesThereAndANewLogSortsAfterIt() {
        List<Entry> first;
        try (EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>())) {
            first = appendMany(log, new Random(2), 40, 300);
        }
        long from = first.get(24).end();
        List<Entry> replayed = new ArrayList<>();
        List<Entry> second;
        try (EntryLog log = open(dir, from, CorruptionPolicy.STOP, replayed)) {
            assertThat(ends(replayed)).containsExactlyElementsOf(ends(first.subList(25, 40)));
            assertThat(payloads(replayed)).containsExactlyElementsOf(payloads(first.subList(25, 40)));
            assertThat(log.opened().entries()).isEqualTo(15);
            assertThat(log.segmentIds()[0]).as("segments before the position are deleted").isEqualTo(from >>> 32);
            assertThat(log.lastEntryEnd()).isEqualTo(first.get(39).end());
            second = appendMany(log, new Random(3), 10, 300);
            assertThat(second.get(0).end()).isGreaterThan(first.get(39).end());
            List<Entry> all = readAll(log, from, Long.MAX_VALUE);
            List<Entry> expected = new ArrayList<>(first.subList(25, 40));
            expected.addAll(second);
            assertThat(ends(all)).containsExactlyElementsOf(ends(expected));
        }
        // A position past every file (its segments were all deleted) still orders what comes after it.
        long beyond = (second.get(9).end() >>> 32) + 5 << 32 | 100;
        try (EntryLog log = open(dir, beyond, CorruptionPolicy.STOP, new ArrayList<>())) {
            assertThat(append(log, new byte[]{1}) >>> 32).isGreaterThan(beyond >>> 32);
        }
    }

    @Test
    void damageBeforeTheReplayPositionGoesUnnoticed() throws IOException {
        List<Entry> appended;
        try (EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>())) {
            appended = appendMany(log, new Random(4), 8, 100);
        }
        assertThat(appended.get(7).end() >>> 32).as("one segment").isEqualTo(appended.get(0).end() >>> 32);
        FileDamage.flipByte(EntryLog.segmentPath(dir, appended.get(0).end() >>> 32), (appended.get(1).end() & 0xffffffffL) - 2);

        assertThatThrownBy(() -> open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>()))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining(KEY + "=skip_rest_of_segment");
        List<Entry> replayed = new ArrayList<>();
        open(dir, appended.get(3).end(), CorruptionPolicy.STOP, replayed).close();
        assertThat(ends(replayed)).containsExactlyElementsOf(ends(appended.subList(4, 8)));
    }

    @Test
    void aSegmentReplaySkippedIsSkippedFromTheSameOffsetByLaterReads() throws IOException {
        List<Entry> appended;
        try (EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>())) {
            appended = appendMany(log, new Random(5), 40, 300);
        }
        long damagedSegment = appended.get(0).end() >>> 32;
        List<Entry> inFirst = appended.stream().filter(e -> e.end() >>> 32 == damagedSegment).toList();
        assertThat(inFirst.size()).isGreaterThan(4);
        Entry victim = inFirst.get(3);
        FileDamage.flipByte(EntryLog.segmentPath(dir, damagedSegment), (victim.end() & 0xffffffffL) - 1);

        List<Entry> replayed = new ArrayList<>();
        try (LogCapture logs = new LogCapture(CommitLog.class.getName());
             EntryLog log = open(dir, 0, CorruptionPolicy.SKIP_REST_OF_SEGMENT, replayed)) {
            List<Entry> expected = new ArrayList<>(inFirst.subList(0, 3));
            expected.addAll(appended.subList(inFirst.size(), appended.size()));
            assertThat(ends(replayed)).containsExactlyElementsOf(ends(expected));
            assertThat(log.opened().damagedSegments()).isEqualTo(1);
            assertThat(logs.warnings()).singleElement().satisfies(line -> assertThat(line)
                    .contains(EntryLog.segmentPath(dir, damagedSegment).toString())
                    .contains("offset " + (inFirst.get(2).end() & 0xffffffffL) + " ")
                    .contains(KEY + "=skip_rest_of_segment"));
            assertThat(ends(readAll(log, 0, Long.MAX_VALUE))).containsExactlyElementsOf(ends(expected));
            assertThat(ends(readAll(log, inFirst.get(2).end(), Long.MAX_VALUE)))
                    .containsExactlyElementsOf(ends(expected.subList(3, expected.size())));
        }
    }

    @Test
    void damageThatAppearsWhileTheLogIsOpenFailsTheReadNamingFileAndOffset() throws IOException {
        try (EntryLog log = open(dir, 0, CorruptionPolicy.SKIP_REST_OF_SEGMENT, new ArrayList<>())) {
            List<Entry> appended = appendMany(log, new Random(6), 5, 100);
            log.sync();
            long segment = appended.get(0).end() >>> 32;
            long offset = appended.get(1).end() & 0xffffffffL;
            FileDamage.flipByte(EntryLog.segmentPath(dir, segment), offset + 5);

            assertThatThrownBy(() -> readAll(log, appended.get(0).end(), Long.MAX_VALUE))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining(EntryLog.segmentPath(dir, segment).toString())
                    .hasMessageContaining("offset " + offset + " ");
            assertThat(ends(readAll(log, 0, appended.get(0).payload().length)))
                    .as("entries before the damage still read").containsExactly(appended.get(0).end());
        }
    }

    @Test
    void discardBeforeDeletesOnlyWholeSegmentsBeforeThePositionWithOrWithoutANewLog() {
        List<Entry> appended;
        try (EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>())) {
            appended = appendMany(log, new Random(7), 60, 400);
            Entry mid = appended.get(30);
            log.discardBefore(mid.end());
            assertThat(log.segmentIds()[0]).isEqualTo(mid.end() >>> 32);
            assertThat(ends(readAll(log, mid.end(), Long.MAX_VALUE)))
                    .containsExactlyElementsOf(ends(appended.subList(31, 60)));
            assertThatThrownBy(() -> log.discardBefore(log.lastEntryEnd() + 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most the end of the last entry");
        }
        // Reopened, before any append: the deletion goes straight to the files.
        try (EntryLog log = open(dir, appended.get(30).end(), CorruptionPolicy.STOP, new ArrayList<>())) {
            log.discardBefore(appended.get(59).end());
            assertThat(log.segmentIds()[0]).isEqualTo(appended.get(59).end() >>> 32);
            assertThat(readAll(log, appended.get(59).end(), Long.MAX_VALUE)).isEmpty();
        }
    }

    @Test
    void readsSeeEveryEntryAppendedBeforeThemWhileAppendsGoOn() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>())) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int seed = w;
                done.add(writers.submit(() -> appendMany(log, new Random(seed), 400, 200)));
            }
            long from = 0;
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen < 800 && System.nanoTime() < deadline) {
                long before = log.lastEntryEnd();
                List<Entry> batch = readAll(log, from, 2000);
                if (!batch.isEmpty()) {
                    from = batch.get(batch.size() - 1).end();
                    seen += batch.size();
                } else {
                    assertThat(from).as("an empty read reached the last entry it could see").isGreaterThanOrEqualTo(before);
                }
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(seen).isEqualTo(800);
            assertThat(from).isEqualTo(log.lastEntryEnd());
        } finally {
            writers.shutdownNow();
        }
    }

    @Test
    void anEntrysFootprintCoversItsShareOfTheFilesUsedContent() throws IOException {
        long charged = 0;
        long lastSegment;
        try (EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>())) {
            Random random = new Random(8);
            for (int i = 0; i < 200; i++) {
                byte[] p = new byte[random.nextInt(40)];
                long end = append(log, p);
                charged += EntryLog.footprint(p.length);
                // The worst case for markers: every entry forced on its own, then vouched for.
                log.awaitDurable(end);
                log.sync();
            }
            lastSegment = log.writtenPosition() >>> 32;
        }
        long used = 0;
        for (long id : CommitLog.listSegmentIds(dir)) {
            try (CommitLogSegment.Reader r = CommitLogSegment.Reader.open(CommitLog.segmentPath(dir, id), id)) {
                used += r.contentBytesFrom(CommitLogSegment.SEGMENT_HEADER_BYTES);
            }
        }
        assertThat(lastSegment).isGreaterThan(2);
        long ends = (long) CommitLog.listSegmentIds(dir).length * CommitLogSegment.END_BYTES;
        assertThat(used).as("entries and markers, beside one end entry per segment").isLessThanOrEqualTo(charged + ends);
    }

    @Test
    void badArgumentsAreRejectedShowingTheValue() {
        assertThatThrownBy(() -> EntryLog.open(dir, -1, SEGMENT_BYTES, CorruptionPolicy.STOP, KEY, Runnable::run,
                (e, p) -> { })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fromPosition: -1");
        assertThatThrownBy(() -> EntryLog.open(dir, 0, 10, CorruptionPolicy.STOP, KEY, Runnable::run, (e, p) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segmentBytes: 10");
        EntryLog log = open(dir, 0, CorruptionPolicy.STOP, new ArrayList<>());
        log.close();
        assertThatThrownBy(() -> append(log, new byte[1])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(Files.exists(dir)).isTrue();
    }
}
