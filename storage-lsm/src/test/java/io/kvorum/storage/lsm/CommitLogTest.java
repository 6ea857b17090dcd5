package io.kvorum.storage.lsm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class CommitLogTest {
    static final int SEGMENT_BYTES = 4096;

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger commitLogLogger = (Logger) LoggerFactory.getLogger(CommitLog.class);

    @BeforeEach
    void captureLog() {
        logged.start();
        commitLogLogger.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        commitLogLogger.detachAppender(logged);
    }

    // ---- helpers shared with CommitLogProperties ----

    /** One appended entry: its payload and the position after it. */
    record Appended(byte[] payload, long end) {
        long start() {
            return end - CommitLog.HEADER_BYTES - payload.length;
        }

        int startOffset() {
            return (int) (start() & 0xffffffffL);
        }

        long segment() {
            return end >>> 32;
        }
    }

    static byte[] payload(Random random, int bytes) {
        byte[] p = new byte[bytes];
        random.nextBytes(p);
        return p;
    }

    static Appended append(CommitLog log, byte[] payload) {
        byte[] buf = new byte[CommitLog.HEADER_BYTES + payload.length];
        System.arraycopy(payload, 0, buf, CommitLog.HEADER_BYTES, payload.length);
        CommitLog.frame(buf, buf.length);
        log.appendLock().lock();
        try {
            return new Appended(payload, log.appendLocked(buf, buf.length));
        } finally {
            log.appendLock().unlock();
        }
    }

    static long roll(CommitLog log) {
        log.appendLock().lock();
        try {
            return log.rollLocked();
        } finally {
            log.appendLock().unlock();
        }
    }

    /** Replays and returns the payloads in order, with the result. */
    static Replayed replay(Path dir, long after, CorruptionPolicy policy) {
        List<byte[]> payloads = new ArrayList<>();
        List<Long> segments = new ArrayList<>();
        CommitLog.ReplayResult result = CommitLog.replay(dir, after, policy, (segmentId, payload) -> {
            payloads.add(payload.readBytes(payload.remaining(), "payload"));
            segments.add(segmentId);
        });
        return new Replayed(payloads, segments, result);
    }

    record Replayed(List<byte[]> payloads, List<Long> segments, CommitLog.ReplayResult result) {
    }

    static List<String> hex(List<byte[]> payloads) {
        return payloads.stream().map(CommitLogTest::hex).collect(Collectors.toList());
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) {
            s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return s.toString();
    }

    static List<byte[]> payloadsOf(List<Appended> appended) {
        return appended.stream().map(Appended::payload).collect(Collectors.toList());
    }

    private List<Appended> appendMany(CommitLog log, Random random, int count, int maxBytes) {
        List<Appended> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(append(log, payload(random, random.nextInt(maxBytes + 1))));
        }
        return out;
    }

    private List<ILoggingEvent> events(Level level) {
        return logged.list.stream().filter(e -> e.getLevel() == level).collect(Collectors.toList());
    }

    // ---- round trips ----

    @Test
    void entriesOfVariedSizesRoundTripAcrossSmallSegmentsIncludingOneLargerThanASegment() {
        Random random = new Random(1);
        List<Appended> appended = new ArrayList<>();
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            appended.addAll(appendMany(log, random, 150, 700));
            appended.add(append(log, payload(random, 3 * SEGMENT_BYTES)));
            appended.addAll(appendMany(log, random, 150, 700));
            for (int i = 1; i < appended.size(); i++) {
                assertThat(appended.get(i).end()).isGreaterThan(appended.get(i - 1).end());
            }
            assertThat(log.currentSegmentId()).isGreaterThan(10);
        }

        Replayed r = replay(dir, -1, CorruptionPolicy.STOP);

        assertThat(hex(r.payloads())).containsExactlyElementsOf(hex(payloadsOf(appended)));
        assertThat(r.segments()).isEqualTo(appended.stream().map(Appended::segment).collect(Collectors.toList()));
        assertThat(r.result().entriesReplayed()).isEqualTo(appended.size());
        assertThat(r.result().tornBytesDiscarded()).isZero();
        assertThat(r.result().maxSegmentId()).isEqualTo(appended.get(appended.size() - 1).segment());
        assertThat(events(Level.WARN)).isEmpty();
    }

    @Test
    void cleanCloseThenReplayReturnsEveryEntryInOrderAndCloseIsIdempotent() throws IOException {
        Random random = new Random(2);
        CommitLog log = CommitLog.create(dir, 7, SEGMENT_BYTES, Runnable::run);
        List<Appended> appended = appendMany(log, random, 40, 300);
        long last = appended.get(appended.size() - 1).end();
        log.close();
        log.close();

        long lastSegment = log.currentSegmentId();
        assertThat(log.syncedPosition()).isGreaterThanOrEqualTo(last);
        assertThat(lastSegment).isGreaterThan(7);
        assertThat(CommitLog.listSegmentIds(dir)).as("the unused spare is deleted")
                .containsExactly(LongStream.rangeClosed(7, lastSegment).toArray());
        Replayed r = replay(dir, -1, CorruptionPolicy.STOP);
        assertThat(hex(r.payloads())).containsExactlyElementsOf(hex(payloadsOf(appended)));
        assertThat(r.result()).isEqualTo(new CommitLog.ReplayResult(lastSegment, (int) (lastSegment - 6), 40, 0));
        assertThat(replay(dir, 8, CorruptionPolicy.STOP).segments()).allMatch(id -> id > 8);
        assertThatThrownBy(() -> append(log, new byte[1])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void replayOfAnEmptyOrMissingDirectoryFindsNothing() throws IOException {
        assertThat(replay(dir, -1, CorruptionPolicy.STOP).result())
                .isEqualTo(new CommitLog.ReplayResult(-1, 0, 0, 0));
        assertThat(replay(dir.resolve("absent"), -1, CorruptionPolicy.STOP).result())
                .isEqualTo(new CommitLog.ReplayResult(-1, 0, 0, 0));
        Files.writeString(dir.resolve("unrelated.txt"), "not a segment");
        assertThat(replay(dir, -1, CorruptionPolicy.STOP).result().maxSegmentId()).isEqualTo(-1);
    }

    @Test
    void entriesAreDurableOnceAwaited() {
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            Appended a = append(log, new byte[100]);
            assertThat(log.syncedPosition()).isLessThan(a.end());
            log.awaitDurable(a.end());
            assertThat(log.syncedPosition()).isGreaterThanOrEqualTo(a.end());
            long forces = log.syncCount();
            log.awaitDurable(a.end());
            assertThat(log.syncCount()).as("already durable: no force").isEqualTo(forces);
            log.sync();
            assertThat(log.syncCount()).as("one force to vouch for the last one").isEqualTo(forces + 1);
            log.sync();
            log.sync();
            assertThat(log.syncCount()).as("nothing new: free").isEqualTo(forces + 1);
            assertThatThrownBy(() -> log.awaitDurable(log.writtenPosition() + 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("written position");
        }
    }

    // ---- group commit ----

    @Test
    void concurrentDurableAppendsShareForces() throws Exception {
        int threads = 8;
        int perThread = 200;
        ExecutorService allocator = Executors.newSingleThreadExecutor();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<List<byte[]>> written = new ArrayList<>();
        CommitLog log = CommitLog.create(dir, 0, 16 * 1024, allocator);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<byte[]> mine = new ArrayList<>();
                written.add(mine);
                int thread = t;
                workers.add(new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perThread; i++) {
                            byte[] p = (thread + ":" + i).getBytes(UTF_8);
                            long position = append(log, p).end();
                            log.awaitDurable(position);
                            assertThat(log.syncedPosition()).isGreaterThanOrEqualTo(position);
                            mine.add(p);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "writer-" + t));
            }
            workers.forEach(Thread::start);
            for (Thread w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(60));
                assertThat(w.isAlive()).as("%s finished", w.getName()).isFalse();
            }
            assertThat(failures).isEmpty();
            assertThat(log.syncCount()).isPositive().isLessThan(threads * perThread);
        } finally {
            log.close();
            allocator.shutdown();
        }

        List<byte[]> replayed = replay(dir, -1, CorruptionPolicy.STOP).payloads();
        assertThat(replayed).hasSize(threads * perThread);
        for (int t = 0; t < threads; t++) {
            String prefix = t + ":";
            List<String> ofThread = replayed.stream().map(b -> new String(b, UTF_8))
                    .filter(s -> s.startsWith(prefix)).collect(Collectors.toList());
            assertThat(ofThread).as("thread %d in order", t).containsExactlyElementsOf(written.get(t).stream()
                    .map(b -> new String(b, UTF_8)).collect(Collectors.toList()));
        }
    }

    // ---- segments ----

    @Test
    void discardThroughDeletesExactlyTheSegmentsUpToTheIdIncludingAnEarlierProcesssFiles() throws IOException {
        try (CommitLog earlier = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            append(earlier, new byte[10]);
            roll(earlier);
            append(earlier, new byte[10]);
        }
        assertThat(CommitLog.listSegmentIds(dir)).containsExactly(0, 1);

        try (CommitLog log = CommitLog.create(dir, 5, SEGMENT_BYTES, Runnable::run)) {
            List<Long> ended = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                append(log, new byte[20]);
                ended.add(roll(log));
            }
            Appended kept = append(log, new byte[] {42});
            assertThat(ended).containsExactly(5L, 6L, 7L, 8L);
            assertThat(CommitLog.listSegmentIds(dir)).containsExactly(0, 1, 5, 6, 7, 8, 9, 10);

            log.discardThrough(7);

            assertThat(CommitLog.listSegmentIds(dir)).containsExactly(8, 9, 10);
            assertThatThrownBy(() -> log.discardThrough(9)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("segmentId: 9 (expected: < 9");
            log.awaitDurable(kept.end());
            log.discardThrough(8);
            assertThat(CommitLog.listSegmentIds(dir)).containsExactly(9, 10);
        }
        Replayed r = replay(dir, 8, CorruptionPolicy.STOP);
        assertThat(hex(r.payloads())).containsExactly("2a");
        assertThat(r.result().maxSegmentId()).isEqualTo(9);
    }

    @Test
    void aSpareNotYetPreparedIsAllocatedByTheRollAndTheLateTaskDoesNothing() throws IOException {
        ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();
        List<Appended> appended = new ArrayList<>();
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, queued::add)) {
            assertThat(CommitLog.listSegmentIds(dir)).containsExactly(0);
            appended.add(append(log, new byte[100]));
            roll(log);
            appended.add(append(log, new byte[100]));
            assertThat(CommitLog.listSegmentIds(dir)).containsExactly(0, 1);
            queued.forEach(Runnable::run); // the task for segment 1 was claimed by the roll; the one for 2 runs
            assertThat(CommitLog.listSegmentIds(dir)).containsExactly(0, 1, 2);
            roll(log);
            appended.add(append(log, new byte[100]));
        }
        assertThat(hex(replay(dir, -1, CorruptionPolicy.STOP).payloads()))
                .containsExactlyElementsOf(hex(payloadsOf(appended)));
    }

    @Test
    void aSegmentThatCannotBeAllocatedFailsTheAppendWithoutWritingIt() throws IOException {
        List<Appended> appended = new ArrayList<>();
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, task -> { })) {
            Path blocker = Files.createDirectory(CommitLog.segmentPath(dir, 1)); // stands in for a full disk
            appended.add(append(log, new byte[100]));
            long written = log.writtenPosition();

            assertThatThrownBy(() -> append(log, new byte[SEGMENT_BYTES])).isInstanceOf(StorageException.class)
                    .hasMessageContaining("cannot allocate commit log segment").hasMessageContaining(blocker.toString());
            assertThat(log.writtenPosition()).isEqualTo(written);

            Files.delete(blocker);
            appended.add(append(log, new byte[SEGMENT_BYTES]));
            appended.add(append(log, new byte[7]));
        }
        assertThat(hex(replay(dir, -1, CorruptionPolicy.STOP).payloads()))
                .containsExactlyElementsOf(hex(payloadsOf(appended)));
    }

    @Test
    void misuseAndBadArgumentsAreRejectedShowingTheValue() throws IOException {
        assertThatThrownBy(() -> CommitLog.create(dir, 0, 40, Runnable::run))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("segmentBytes: 40 (expected: ");
        assertThatThrownBy(() -> CommitLog.create(dir, -1, SEGMENT_BYTES, Runnable::run))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("firstSegmentId: -1");
        assertThatThrownBy(() -> CommitLog.frame(new byte[8], 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("length: 8 (expected: 9..8");
        try (CommitLog log = CommitLog.create(dir, 3, SEGMENT_BYTES, Runnable::run)) {
            byte[] framed = new byte[20];
            CommitLog.frame(framed, 20);
            assertThatThrownBy(() -> log.appendLocked(framed, 20)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("appendLock");
            log.appendLock().lock();
            try {
                assertThatThrownBy(() -> log.appendLocked(new byte[20], 20))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("buf: length field 0 and kind 0 (expected: length - 8 = 12 and 1, as"
                                + " CommitLog.frame(buf, 20) writes them)");
                long position = log.appendLocked(framed, 20);
                assertThatThrownBy(() -> log.awaitDurable(position))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("appendLock");
            } finally {
                log.appendLock().unlock();
            }
        }
        assertThatThrownBy(() -> CommitLog.create(dir, 3, SEGMENT_BYTES, Runnable::run))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("firstSegmentId: 3 (expected: > 3");
    }

    // ---- crashes, torn tails and damage ----

    /** Two closed segments' worth of entries, every one vouched for by a marker. */
    private List<Appended> closedLogOfThreeSegments() {
        Random random = new Random(3);
        List<Appended> appended = new ArrayList<>();
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            for (int s = 0; s < 3; s++) {
                for (int i = 0; i < 10; i++) {
                    Appended a = append(log, payload(random, 50 + random.nextInt(100)));
                    appended.add(a);
                    if (i % 4 == 3) {
                        log.awaitDurable(a.end());
                    }
                }
                roll(log);
            }
        }
        assertThat(appended.stream().map(Appended::segment).distinct()).containsExactly(0L, 1L, 2L);
        return appended;
    }

    @Test
    void aFlippedByteInFsyncedDataStopsReplayNamingTheFileOffsetAndSetting() throws IOException {
        List<Appended> appended = closedLogOfThreeSegments();
        Appended victim = appended.get(4);
        Path file = CommitLog.segmentPath(dir, 0);
        FileDamage.flipByte(file, victim.startOffset() + CommitLog.HEADER_BYTES + 3);

        assertThatThrownBy(() -> replay(dir, -1, CorruptionPolicy.STOP))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("offset " + victim.startOffset() + " ")
                .hasMessageContaining("storage.commitlog_corruption_policy=skip_rest_of_segment");
        assertThat(CommitLog.listSegmentIds(dir)).as("files left for inspection").containsExactly(0, 1, 2, 3);
    }

    @Test
    void skipRestOfSegmentKeepsEntriesBeforeTheDamageAndThoseOfLaterSegments() throws IOException {
        List<Appended> appended = closedLogOfThreeSegments();
        FileDamage.flipByte(CommitLog.segmentPath(dir, 0), appended.get(4).startOffset() + 2);

        Replayed r = replay(dir, -1, CorruptionPolicy.SKIP_REST_OF_SEGMENT);

        List<Appended> expected = new ArrayList<>(appended.subList(0, 4));
        expected.addAll(appended.subList(10, 30));
        assertThat(hex(r.payloads())).containsExactlyElementsOf(hex(payloadsOf(expected)));
        assertThat(r.result().tornBytesDiscarded()).isZero();
        assertThat(events(Level.ERROR)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains(CommitLog.segmentPath(dir, 0).toString()).contains("skipping the rest"));
        assertThat(hex(replay(dir, -1, CorruptionPolicy.SKIP_REST_OF_SEGMENT).payloads()))
                .as("nothing was repaired away").hasSize(24);
    }

    @Test
    void aDamagedHeaderOfAnFsyncedSegmentIsCorruptionToo() throws IOException {
        List<Appended> appended = closedLogOfThreeSegments();
        Path file = CommitLog.segmentPath(dir, 1);
        FileDamage.flipByte(file, 20);

        assertThatThrownBy(() -> replay(dir, -1, CorruptionPolicy.STOP)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file + " is damaged at offset 0 (segment header checksum mismatch)");
        List<Appended> expected = new ArrayList<>(appended.subList(0, 10));
        expected.addAll(appended.subList(20, 30));
        assertThat(hex(replay(dir, -1, CorruptionPolicy.SKIP_REST_OF_SEGMENT).payloads()))
                .containsExactlyElementsOf(hex(payloadsOf(expected)));
    }

    @Test
    void zerosInTheMiddleOfFsyncedDataAreCorruptionNotTheEndOfTheLog() throws IOException {
        List<Appended> appended = closedLogOfThreeSegments();
        int from = appended.get(4).startOffset();
        try (FileChannel ch = FileChannel.open(CommitLog.segmentPath(dir, 0), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(appended.get(6).startOffset() - from), from);
        }

        assertThatThrownBy(() -> replay(dir, -1, CorruptionPolicy.STOP)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("offset " + from + " (no entry starts there, yet data follows");
    }

    @Test
    void aLostMiddleSegmentOfFsyncedDataIsCorruption() throws IOException {
        closedLogOfThreeSegments();
        Files.delete(CommitLog.segmentPath(dir, 1));

        assertThatThrownBy(() -> replay(dir, -1, CorruptionPolicy.STOP)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void aFlippedByteAfterTheLastMarkerIsATornTailCutOnceWithAWarning() throws IOException {
        Random random = new Random(4);
        List<Appended> appended;
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            appended = appendMany(log, random, 5, 100);
            log.awaitDurable(appended.get(4).end());
            log.sync(); // vouches for the first five
            appended.addAll(appendMany(log, random, 5, 100));
            log.abandon();
        }
        Appended victim = appended.get(7);
        Path file = CommitLog.segmentPath(dir, 0);
        FileDamage.flipByte(file, victim.end() - 1 & 0xffffffffL);

        Replayed r = replay(dir, -1, CorruptionPolicy.STOP);

        assertThat(hex(r.payloads())).containsExactlyElementsOf(hex(payloadsOf(appended.subList(0, 7))));
        long tail = (appended.get(9).end() & 0xffffffffL) - victim.startOffset();
        assertThat(r.result().tornBytesDiscarded()).isEqualTo(tail);
        assertThat(events(Level.WARN)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains(file.toString()).contains("offset " + victim.startOffset()).contains(tail + " bytes"));

        logged.list.clear();
        Replayed again = replay(dir, -1, CorruptionPolicy.STOP);
        assertThat(hex(again.payloads())).containsExactlyElementsOf(hex(r.payloads()));
        assertThat(again.result().tornBytesDiscarded()).isZero();
        assertThat(events(Level.WARN)).isEmpty();
    }

    @Test
    void fsyncedDataNoMarkerVouchesForYetCountsAsTailUntilSyncVouchesForIt() throws IOException {
        Random random = new Random(5);
        List<Appended> appended;
        Path file = CommitLog.segmentPath(dir, 0);
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            appended = appendMany(log, random, 6, 100);
            log.awaitDurable(appended.get(5).end());
            log.abandon();
        }
        FileDamage.flipByte(file, appended.get(3).startOffset() + 12);

        // The force may have been cut short by the crash for all the disk can tell: a torn tail.
        assertThat(replay(dir, -1, CorruptionPolicy.STOP).payloads()).hasSize(3);

        Path vouched = Files.createDirectory(dir.resolve("vouched"));
        try (CommitLog log = CommitLog.create(vouched, 0, SEGMENT_BYTES, Runnable::run)) {
            appended = appendMany(log, new Random(5), 6, 100);
            log.awaitDurable(appended.get(5).end());
            log.sync();
            log.abandon();
        }
        FileDamage.flipByte(CommitLog.segmentPath(vouched, 0), appended.get(3).startOffset() + 12);

        assertThatThrownBy(() -> replay(vouched, -1, CorruptionPolicy.STOP))
                .isInstanceOf(CorruptDataException.class);
    }

    @Test
    void aSegmentFileTruncatedToThreeBytesIsATornTail() throws IOException {
        Random random = new Random(6);
        List<Appended> appended;
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            appended = appendMany(log, random, 12, 100);
        }
        Path cut = CommitLog.segmentPath(dir, 1);
        Files.write(cut, new byte[] {1, 2, 3});

        Replayed r = replay(dir, -1, CorruptionPolicy.STOP);

        assertThat(hex(r.payloads())).containsExactlyElementsOf(hex(payloadsOf(appended)));
        assertThat(r.result().maxSegmentId()).isEqualTo(1);
        assertThat(r.result().tornBytesDiscarded()).isEqualTo(3);
        assertThat(events(Level.WARN)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains(cut.toString()).contains("shorter than the 32-byte segment header"));
        assertThat(cut).doesNotExist();

        Path lone = dir.resolve("lone");
        Files.createDirectory(lone);
        Files.write(CommitLog.segmentPath(lone, 4), new byte[] {0, 0, 7});
        assertThat(replay(lone, -1, CorruptionPolicy.STOP).result())
                .isEqualTo(new CommitLog.ReplayResult(4, 0, 0, 3));
        assertThat(CommitLog.segmentPath(lone, 4)).doesNotExist();
    }

    @Test
    void aSegmentWhoseTailWasLostIsNotFollowedByTheUnsyncedSegmentsAfterIt() throws IOException {
        List<Appended> appended;
        long synced;
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            appended = appendMany(log, new Random(7), 3, 100);
            log.awaitDurable(appended.get(2).end());
            synced = log.syncedPosition();
            appended.addAll(appendMany(log, new Random(8), 60, 200));
            log.abandon();
        }
        assertThat(appended.get(59).segment()).isPositive();
        // Power lost the unsynced pages of segment 0 beyond the first three entries, and the
        // SEGMENT_END with them, while the kernel had written back the later segments whole.
        int lostFrom = (int) (synced & 0xffffffffL);
        try (FileChannel ch = FileChannel.open(CommitLog.segmentPath(dir, 0), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(SEGMENT_BYTES - lostFrom), lostFrom);
        }

        Replayed r = replay(dir, -1, CorruptionPolicy.STOP);

        assertThat(hex(r.payloads())).containsExactlyElementsOf(hex(payloadsOf(appended.subList(0, 3))));
        assertThat(CommitLog.listSegmentIds(dir)).containsExactly(0);
    }

    @Test
    void aNewLogAfterACrashAndItsOwnCrashReplayBothInOrder() throws IOException {
        List<Appended> appended = new ArrayList<>();
        try (CommitLog first = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            appended.addAll(appendMany(first, new Random(9), 30, 200));
            first.awaitDurable(appended.get(29).end());
            first.abandon();
        }
        Replayed r1 = replay(dir, -1, CorruptionPolicy.STOP);
        assertThat(r1.payloads()).hasSize(30);

        try (CommitLog second = CommitLog.create(dir, r1.result().maxSegmentId() + 1, SEGMENT_BYTES, Runnable::run)) {
            appended.addAll(appendMany(second, new Random(10), 30, 200));
            second.awaitDurable(appended.get(59).end());
            second.abandon();
        }
        Replayed r2 = replay(dir, -1, CorruptionPolicy.STOP);

        assertThat(hex(r2.payloads())).containsExactlyElementsOf(hex(payloadsOf(appended)));
        assertThat(r2.result().tornBytesDiscarded()).isZero();
        assertThat(events(Level.WARN)).isEmpty();
    }

    @Test
    void aSegmentWrittenByANewerFormatIsNeverTouched() throws IOException {
        try (CommitLog log = CommitLog.create(dir, 0, SEGMENT_BYTES, Runnable::run)) {
            append(log, new byte[10]);
        }
        Path file = CommitLog.segmentPath(dir, 0);
        byte[] header = CommitLogSegment.encodeHeader(0, SEGMENT_BYTES, true);
        header[8] = 2; // version
        CRC32C crc = new CRC32C();
        crc.update(header, 0, 28);
        Bytes.putInt(header, 28, (int) crc.getValue());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(header), 0);
        }
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> replay(dir, -1, CorruptionPolicy.SKIP_REST_OF_SEGMENT))
                .isInstanceOf(StorageException.class).hasMessageContaining("format version 2");
        assertThat(Arrays.equals(Files.readAllBytes(file), before)).isTrue();
    }
}
