package io.kvorum.storage.lsm;

import static io.kvorum.storage.lsm.CommitLogTest.append;
import static io.kvorum.storage.lsm.CommitLogTest.hex;
import static io.kvorum.storage.lsm.CommitLogTest.payload;
import static io.kvorum.storage.lsm.CommitLogTest.payloadsOf;
import static io.kvorum.storage.lsm.CommitLogTest.replay;
import static io.kvorum.storage.lsm.CommitLogTest.roll;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.storage.lsm.CommitLogTest.Appended;
import io.kvorum.storage.lsm.CommitLogTest.Replayed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The commit log's crash law: whatever a crash and a power cut do to bytes that were not fsynced,
 * replay returns a prefix of what was appended, byte for byte, holding at least every entry that
 * was durable, and never mistakes the damage for corruption of fsynced data.
 */
class CommitLogProperties {
    private static final int SEGMENT_BYTES = 4096;

    enum After { NOTHING, AWAIT_DURABLE, SYNC, ROLL }

    record Step(int payloadBytes, After after) {
    }

    /**
     * What the power cut did from the cut point on, in the segment holding it. LOST_TAIL zeroes from
     * an entry boundary to the end: the segment then reads as cleanly ended, and only the entries of
     * later segments betray the gap.
     */
    enum Cut { TRUNCATE, ZERO_TO_END, ZERO_RANGE, GARBAGE_RANGE, LOST_TAIL }

    /** What it did to each later segment file, none of which holds a durable byte. */
    enum Later { UNTOUCHED, DELETE, TRUNCATE, ZERO_ALL, ZERO_RANGE, GARBAGE_RANGE }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Integer> bytes = Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.integers().between(0, 600)),
                Tuple.of(1, Arbitraries.integers().between(SEGMENT_BYTES, 2 * SEGMENT_BYTES)));
        Arbitrary<After> after = Arbitraries.frequency(
                Tuple.of(12, After.NOTHING), Tuple.of(3, After.AWAIT_DURABLE), Tuple.of(1, After.SYNC),
                Tuple.of(1, After.ROLL));
        return Combinators.combine(bytes, after).as(Step::new).list().ofMinSize(10).ofMaxSize(60);
    }

    /**
     * {@code quietTail}: the last steps neither sync nor roll, so the unsynced tail often spans
     * segments. {@code atEntryStart}: the cut falls on an entry boundary, where lost pages leave a
     * segment that reads as cleanly ended.
     */
    @Provide
    Arbitrary<Cut> cuts() {
        return Arbitraries.frequency(Tuple.of(1, Cut.TRUNCATE), Tuple.of(1, Cut.ZERO_TO_END), Tuple.of(1, Cut.ZERO_RANGE),
                Tuple.of(1, Cut.GARBAGE_RANGE), Tuple.of(3, Cut.LOST_TAIL));
    }

    /** Mostly untouched: a power cut that spares later segments is the one that can hide a gap. */
    @Provide
    Arbitrary<List<Later>> laters() {
        return Arbitraries.frequency(Tuple.of(5, Later.UNTOUCHED), Tuple.of(1, Later.DELETE), Tuple.of(1, Later.TRUNCATE),
                Tuple.of(1, Later.ZERO_ALL), Tuple.of(1, Later.ZERO_RANGE), Tuple.of(1, Later.GARBAGE_RANGE))
                .list().ofMaxSize(8);
    }

    @Property(tries = 150)
    void aCrashLosesOnlyASuffixOfWhatWasNotFsynced(@ForAll("steps") List<Step> steps,
                                                   @ForAll @IntRange(max = 60) int quietTail,
                                                   @ForAll @DoubleRange(max = 1) double where,
                                                   @ForAll boolean atEntryStart,
                                                   @ForAll("cuts") Cut cut,
                                                   @ForAll("laters") List<Later> later,
                                                   @ForAll long seed) throws IOException {
        Path dir = Files.createTempDirectory("commitlog-crash");
        try {
            Random random = new Random(seed);
            List<Appended> appended = new ArrayList<>();
            long synced;
            long written;
            try (CommitLog log = CommitLog.create(dir, random.nextInt(3), SEGMENT_BYTES, Runnable::run)) {
                for (int i = 0; i < steps.size(); i++) {
                    Step step = steps.get(i);
                    Appended a = append(log, payload(random, step.payloadBytes()));
                    appended.add(a);
                    switch (i < steps.size() - quietTail ? step.after() : After.NOTHING) {
                        case AWAIT_DURABLE -> log.awaitDurable(a.end());
                        case SYNC -> log.sync();
                        case ROLL -> roll(log);
                        default -> {
                        }
                    }
                }
                synced = log.syncedPosition();
                written = log.writtenPosition();
                log.abandon();
            }
            long mustSurvive = appended.stream().filter(a -> a.end() <= synced).count();

            boolean snap = atEntryStart || cut == Cut.LOST_TAIL;
            long cutSegment = powerCut(dir, synced, written, where, snap ? appended : List.of(), cut, later, random);
            Replayed first = replay(dir, -1, CorruptionPolicy.STOP);
            Statistics.label("unsynced segments").collect((written >>> 32) - (synced >>> 32));
            Statistics.label("lost tail, next segment intact").collect(cut == Cut.LOST_TAIL
                    && (later.isEmpty() || later.get(0) == Later.UNTOUCHED)
                    && appended.stream().anyMatch(a -> a.segment() == cutSegment + 1));
            Statistics.label("entries lost").collect(appended.size() == first.payloads().size() ? "none"
                    : first.payloads().size() == mustSurvive ? "all unsynced" : "some unsynced");

            List<String> expected = hex(payloadsOf(appended));
            List<String> got = hex(first.payloads());
            assertThat(got.size()).isBetween((int) mustSurvive, expected.size());
            assertThat(got).containsExactlyElementsOf(expected.subList(0, got.size()));

            // The repair makes the cut permanent: the next start sees the same log and no tail.
            Replayed second = replay(dir, -1, CorruptionPolicy.STOP);
            assertThat(hex(second.payloads())).containsExactlyElementsOf(got);
            assertThat(second.result().tornBytesDiscarded()).isZero();

            // A new log started after it replays behind it, across another crash.
            byte[] next = payload(random, 1 + random.nextInt(100));
            try (CommitLog log = CommitLog.create(dir, first.result().maxSegmentId() + 1, SEGMENT_BYTES,
                    Runnable::run)) {
                log.awaitDurable(append(log, next).end());
                log.abandon();
            }
            List<String> third = hex(replay(dir, -1, CorruptionPolicy.STOP).payloads());
            List<String> withNext = new ArrayList<>(got);
            withNext.add(hex(next));
            assertThat(third).containsExactlyElementsOf(withNext);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Destroys bytes from a point between the synced and the written position: in the segment holding
     * that point as {@code cut} says, in each later segment file as {@code later} says.
     */
    /** Returns the segment holding the cut point. */
    private static long powerCut(Path dir, long synced, long written, double where, List<Appended> snapTo, Cut cut,
                                 List<Later> later, Random random) throws IOException {
        long firstSegment = synced >>> 32;
        long lastSegment = written >>> 32;
        // Squared: cuts in earlier segments, which have later ones to betray a gap, come up more often.
        long segment = firstSegment + Math.min(lastSegment - firstSegment,
                (long) (where * where * (lastSegment - firstSegment + 1)));
        Path file = CommitLog.segmentPath(dir, segment);
        long size = Files.size(file);
        long from = segment == firstSegment ? synced & 0xffffffffL : 0;
        long to = segment == lastSegment ? written & 0xffffffffL : size;
        long at = from + (long) (random.nextDouble() * (to - from + 1));
        at = Math.min(at, to);
        for (Appended a : snapTo) {
            if (a.segment() == segment && a.startOffset() >= at && a.startOffset() <= to) {
                at = a.startOffset();
                break;
            }
        }
        switch (cut) {
            case TRUNCATE -> truncate(file, at);
            case ZERO_TO_END, LOST_TAIL -> overwrite(file, at, size - at, null);
            case ZERO_RANGE -> overwrite(file, at, 1 + random.nextInt((int) Math.max(1, size - at)), null);
            case GARBAGE_RANGE -> overwrite(file, at, 1 + random.nextInt((int) Math.max(1, size - at)), random);
        }
        long[] ids = CommitLog.listSegmentIds(dir);
        int k = 0;
        for (long id : ids) {
            if (id <= segment) {
                continue;
            }
            Later what = k < later.size() ? later.get(k) : Later.UNTOUCHED;
            k++;
            Path f = CommitLog.segmentPath(dir, id);
            long length = Files.size(f);
            long offset = (long) (random.nextDouble() * length);
            switch (what) {
                case UNTOUCHED -> {
                }
                case DELETE -> Files.delete(f);
                case TRUNCATE -> truncate(f, offset);
                case ZERO_ALL -> overwrite(f, 0, length, null);
                case ZERO_RANGE -> overwrite(f, offset, 1 + random.nextInt((int) Math.max(1, length - offset)), null);
                case GARBAGE_RANGE -> overwrite(f, offset, 1 + random.nextInt((int) Math.max(1, length - offset)),
                        random);
            }
        }
        return segment;
    }

    private static void truncate(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
    }

    /** Writes zeros, or random bytes if {@code garbage} is given, over {@code [at, at + length)} within the file. */
    private static void overwrite(Path file, long at, long length, Random garbage) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long end = Math.min(ch.size(), at + length);
            if (end <= at) {
                return;
            }
            byte[] bytes = new byte[(int) (end - at)];
            if (garbage != null) {
                garbage.nextBytes(bytes);
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, at + b.position());
            }
        }
    }
}
