package io.kvorum.hints;

import static io.kvorum.hints.HintFixtures.ids;
import static io.kvorum.hints.HintFixtures.readAll;
import static io.kvorum.hints.HintFixtures.records;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.NodeId;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.testing.ManualClock;
import io.kvorum.storage.Durability;
import io.kvorum.storage.lsm.CorruptionPolicy;
import io.kvorum.storage.lsm.EntryLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.statistics.Statistics;

/**
 * A hint store under test next to a model of what it must hold: per target, the hints added and not
 * yet acknowledged or truncated, in order, each marked once it must survive a crash (it or a later
 * hint of its target was durable, or a sync or clean close came after it).
 *
 * <p>Checked after every step: a read returns exactly the model's next hints from the cursor, in
 * order, at least one and then only what fits; an acknowledgement covers exactly the model's hints
 * up to the cursor; every add is accepted or refused exactly as the bounds say, computed from the
 * store's own figures before it, with the refusal counted under its reason; the stats agree with the
 * model; the disk stays within the bounds.
 *
 * <p>After a crash that destroys bytes the log had not fsynced, each target's hints must be a prefix
 * of the model's holding every hint that had to survive; nothing acknowledged or truncated comes
 * back. After a flipped byte in a segment (clean close, then {@code skip_rest_of_segment}) the hints
 * must be in the model's order, keep every hint before the damage, and a lost hint must come with a
 * warning about that target's log.
 */
final class HintStoreHarness implements AutoCloseable {
    static final List<NodeId> TARGETS = List.of(HintFixtures.A, HintFixtures.B, HintFixtures.C);
    static final long SEGMENT_BYTES = 4096;
    static final long WINDOW_MS = TimeUnit.MINUTES.toMillis(10);

    private final Path dir;
    private final ManualClock clock = new ManualClock();
    private final HintOptions options = new HintOptions(8 * 1024, 14 * 1024, WINDOW_MS, SEGMENT_BYTES, 1000,
            CorruptionPolicy.SKIP_REST_OF_SEGMENT);
    private HintStore store;
    private final Map<NodeId, TargetModel> model = new LinkedHashMap<>();
    /** Hints acknowledged, truncated or lost: none may ever be read again. */
    private final Set<Integer> gone = new HashSet<>();
    private int nextId = 10;
    /** The largest charge of a hint accepted: a segment holding only it may be that large. */
    private long largestCharge;

    private static final class ModelHint {
        final int id;
        final long createdAtMillis;
        final int valueBytes;
        final int payloadBytes;
        final long charge;
        boolean mustSurvive;

        ModelHint(int id, long createdAtMillis, int valueBytes) {
            this.id = id;
            this.createdAtMillis = createdAtMillis;
            this.valueBytes = valueBytes;
            this.payloadBytes = HintCodec.encode(createdAtMillis, records(id, valueBytes)).length
                    - EntryLog.HEADER_BYTES;
            this.charge = EntryLog.footprint(payloadBytes);
        }
    }

    private static final class TargetModel {
        final List<ModelHint> pending = new ArrayList<>();
        /** The last batch read, whose cursors acknowledgements and reads use; none after a restart. */
        HintBatch lastBatch;
        /** Cursor to the hint it ends, for the cursors of this store's batches. */
        final Map<HintCursor, Integer> ends = new HashMap<>();
        long delivered;
        final Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
        /** It had hints through a restart: files of an earlier process may be charged beside them. */
        boolean mayHoldLeftover;

        long charged() {
            return pending.stream().mapToLong(h -> h.charge).sum();
        }

        void restarted() {
            lastBatch = null;
            ends.clear();
            delivered = 0;
            dropped.clear();
            mayHoldLeftover |= !pending.isEmpty();
            if (pending.isEmpty()) {
                mayHoldLeftover = false;
            }
        }
    }

    HintStoreHarness() {
        try {
            dir = Files.createTempDirectory("kvorum-hints-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (NodeId t : TARGETS) {
            model.put(t, new TargetModel());
        }
        store = HintStore.open(dir, options, clock);
    }

    // ---- steps ----

    void add(int target, int valueBytes, long ageMillis, boolean durable) {
        NodeId t = TARGETS.get(target);
        TargetModel m = model.get(t);
        long now = clock.nowMillis();
        ModelHint h = new ModelHint(nextId++, now - ageMillis, valueBytes);
        HintStats before = store.stats(t);
        long totalBefore = store.totalBytes();

        DropReason expected = null;
        if (now - h.createdAtMillis > WINDOW_MS
                || (!m.pending.isEmpty() && now - m.pending.get(0).createdAtMillis > WINDOW_MS)) {
            expected = DropReason.WINDOW;
        } else if (before.bytes() + h.charge > options.maxBytesPerTarget()) {
            expected = DropReason.TARGET_BYTES;
        } else if (totalBefore + h.charge > options.maxBytesTotal()) {
            expected = DropReason.TOTAL_BYTES;
        }
        boolean accepted = store.add(t, h.createdAtMillis, records(h.id, valueBytes),
                durable ? Durability.DURABLE : Durability.PERIODIC);

        assertThat(accepted).as("hint %d for %s accepted (expected refusal: %s)", h.id, t, expected)
                .isEqualTo(expected == null);
        Statistics.label("add").collect(expected == null ? "accepted" : expected);
        HintStats after = store.stats(t);
        if (accepted) {
            m.pending.add(h);
            largestCharge = Math.max(largestCharge, h.charge);
            if (durable) {
                m.pending.forEach(p -> p.mustSurvive = true);
            }
            assertThat(after.bytes()).isEqualTo(before.bytes() + h.charge);
        } else {
            m.dropped.merge(expected, 1L, Long::sum);
            assertThat(after.bytes()).isEqualTo(before.bytes());
        }
    }

    void next(int target, boolean fromLastBatch, int maxBytes) {
        NodeId t = TARGETS.get(target);
        TargetModel m = model.get(t);
        HintCursor from = fromLastBatch && m.lastBatch != null ? m.lastBatch.end() : HintCursor.START;
        int start = 0;
        Integer fromId = m.ends.get(from);
        if (fromId != null) {
            for (int i = 0; i < m.pending.size(); i++) {
                if (m.pending.get(i).id == fromId) {
                    start = i + 1;
                }
            }
        }
        HintBatch batch = store.next(t, from, maxBytes);

        List<ModelHint> rest = m.pending.subList(start, m.pending.size());
        List<Hint> got = batch.hints();
        assertThat(got.size()).as("hints read").isBetween(Math.min(1, rest.size()), rest.size());
        long bytes = 0;
        for (int i = 0; i < got.size(); i++) {
            ModelHint want = rest.get(i);
            assertThat(HintFixtures.idOf(got.get(i))).as("hint %d of the batch", i).isEqualTo(want.id);
            assertThat(got.get(i).records()).isEqualTo(records(want.id, want.valueBytes));
            assertThat(got.get(i).createdAtMillis()).isEqualTo(want.createdAtMillis);
            bytes += want.payloadBytes;
        }
        if (got.size() > 1) {
            assertThat(bytes).as("payload bytes of a batch of several").isLessThanOrEqualTo(maxBytes);
        }
        if (got.size() < rest.size()) {
            assertThat(bytes + rest.get(got.size()).payloadBytes).as("the next hint did not fit")
                    .isGreaterThan(maxBytes);
        }
        assertThat(got).noneMatch(h -> gone.contains(HintFixtures.idOf(h)));
        for (Hint h : got) {
            m.ends.put(h.end(), HintFixtures.idOf(h));
        }
        m.lastBatch = batch;
    }

    void acknowledge(int target, int pick) {
        NodeId t = TARGETS.get(target);
        TargetModel m = model.get(t);
        if (m.lastBatch == null || m.lastBatch.isEmpty()) {
            return;
        }
        Hint through = m.lastBatch.hints().get(pick % m.lastBatch.hints().size());
        int id = HintFixtures.idOf(through);
        int upTo = -1;
        for (int i = 0; i < m.pending.size(); i++) {
            if (m.pending.get(i).id == id) {
                upTo = i;
            }
        }
        long n = store.acknowledge(t, through.end());

        assertThat(n).as("hints acknowledged through %d", id).isEqualTo(upTo + 1);
        for (ModelHint h : m.pending.subList(0, upTo + 1)) {
            gone.add(h.id);
        }
        m.pending.subList(0, upTo + 1).clear();
        m.delivered += n;
    }

    void truncate(int target) {
        NodeId t = TARGETS.get(target);
        TargetModel m = model.get(t);
        assertThat(store.truncate(t)).isEqualTo(m.pending.size());
        m.dropped.merge(DropReason.TRUNCATED, (long) m.pending.size(), Long::sum);
        m.pending.forEach(h -> gone.add(h.id));
        m.pending.clear();
    }

    void sync() {
        store.sync();
        model.values().forEach(m -> m.pending.forEach(h -> h.mustSurvive = true));
    }

    void advanceClock(long millis) {
        clock.advance(millis, TimeUnit.MILLISECONDS);
    }

    void reopen() {
        store.close();
        model.values().forEach(m -> m.pending.forEach(h -> h.mustSurvive = true));
        store = HintStore.open(dir, options, clock);
        for (NodeId t : TARGETS) {
            TargetModel m = model.get(t);
            m.restarted();
            assertThat(ids(readAll(store, t))).as("hints of %s after a clean restart", t)
                    .isEqualTo(m.pending.stream().map(h -> h.id).toList());
        }
    }

    /**
     * Kills the store and, in each target's log, destroys what lies after a random point between what
     * was fsynced and what was written, as a power cut may: truncated, zeroed or overwritten.
     */
    void crash(long seed) throws IOException {
        Random random = new Random(seed);
        Map<NodeId, long[]> positions = new HashMap<>();
        for (NodeId t : TARGETS) {
            TargetHints th = store.target(t);
            if (th != null) {
                positions.put(t, new long[]{th.log().syncedPosition(), th.log().writtenPosition()});
            }
        }
        store.crashForTest();
        for (Map.Entry<NodeId, long[]> e : positions.entrySet()) {
            long synced = e.getValue()[0];
            long written = e.getValue()[1];
            long cut = synced + (long) (random.nextDouble() * (written - synced + 1));
            Path targetDir = dir.resolve(e.getKey().toString());
            for (long id : segmentIds(targetDir)) {
                if (id >= cut >>> 32) {
                    destroyFrom(EntryLog.segmentPath(targetDir, id), id == cut >>> 32 ? cut & 0xffffffffL : 0, random);
                }
            }
        }
        store = HintStore.open(dir, options, clock);
        for (NodeId t : TARGETS) {
            TargetModel m = model.get(t);
            List<Integer> got = ids(readAll(store, t));
            List<Integer> want = m.pending.stream().map(h -> h.id).toList();
            int mustSurvive = 0;
            for (int i = 0; i < m.pending.size(); i++) {
                if (m.pending.get(i).mustSurvive) {
                    mustSurvive = i + 1;
                }
            }
            assertThat(got.size()).as("hints of %s after a crash", t).isBetween(mustSurvive, want.size());
            assertThat(got).as("hints of %s after a crash: a prefix", t).isEqualTo(want.subList(0, got.size()));
            Statistics.label("crash").collect(got.size() == want.size() ? "nothing lost"
                    : got.size() == mustSurvive ? "every unsynced hint lost" : "some unsynced hints lost");
            m.pending.subList(got.size(), m.pending.size()).forEach(h -> gone.add(h.id));
            m.pending.subList(got.size(), m.pending.size()).clear();
            m.pending.forEach(h -> h.mustSurvive = true); // replay fsyncs what it reads
            m.restarted();
        }
    }

    /** Closes cleanly, flips one byte in one segment of one target, and opens again skipping damage. */
    void flip(int target, long seed) throws IOException {
        NodeId t = TARGETS.get(target);
        TargetModel m = model.get(t);
        Random random = new Random(seed);
        List<Hint> before = readAll(store, t);
        store.close();
        model.values().forEach(x -> x.pending.forEach(h -> h.mustSurvive = true));
        Path targetDir = dir.resolve(t.toString());
        long[] segments = segmentIds(targetDir);
        List<Integer> mustKeep = new ArrayList<>();
        Path file = null;
        if (segments.length > 0) {
            long segment = segments[random.nextInt(segments.length)];
            file = EntryLog.segmentPath(targetDir, segment);
            byte[] bytes = Files.readAllBytes(file);
            int last = bytes.length - 1;
            while (last > 0 && bytes[last] == 0) {
                last--;
            }
            long offset = random.nextInt(Math.min(bytes.length, last + 64));
            HintFixtures.flipByte(file, offset);
            for (Hint h : before) {
                long s = h.end().position() >>> 32;
                long o = h.end().position() & 0xffffffffL;
                if (s < segment || (s == segment && o <= offset)) {
                    mustKeep.add(HintFixtures.idOf(h));
                }
            }
        }
        List<Integer> got;
        try (LogCapture logs = new LogCapture("io.kvorum")) {
            store = HintStore.open(dir, options, clock);
            got = ids(readAll(store, t));
            if (got.size() < before.size()) {
                // Naming the target's log; not always the flipped file: a damaged header can make a
                // segment look like a continuation, and the warning then names the gap before it.
                assertThat(logs.warnings()).as("a hint was lost: the damage is logged")
                        .anyMatch(line -> line.contains(targetDir.toString()));
            }
        }
        List<Integer> want = m.pending.stream().map(h -> h.id).toList();
        Statistics.label("flip").collect(file == null ? "no segment" : got.size() == want.size() ? "nothing lost"
                : got.size() > mustKeep.size() ? "lost some after the damage" : "lost all after the damage");
        assertThat(isSubsequence(got, want)).as("the survivors %s in the order of %s", got, want).isTrue();
        assertThat(isSubsequence(mustKeep, got)).as("every hint before the damage %s among %s", mustKeep, got).isTrue();
        Set<Integer> kept = new HashSet<>(got);
        m.pending.stream().filter(h -> !kept.contains(h.id)).forEach(h -> gone.add(h.id));
        m.pending.removeIf(h -> !kept.contains(h.id));
        for (NodeId other : TARGETS) {
            TargetModel x = model.get(other);
            x.restarted();
            if (!other.equals(t)) {
                assertThat(ids(readAll(store, other))).isEqualTo(x.pending.stream().map(h -> h.id).toList());
            }
        }
    }

    // ---- invariants ----

    void checkInvariants() {
        long total = 0;
        for (NodeId t : TARGETS) {
            TargetModel m = model.get(t);
            HintStats s = store.stats(t);
            assertThat(s.hints()).as("hints of %s", t).isEqualTo(m.pending.size());
            if (m.mayHoldLeftover) {
                assertThat(s.bytes()).as("bytes of %s", t).isGreaterThanOrEqualTo(m.charged());
            } else {
                assertThat(s.bytes()).as("bytes of %s", t).isEqualTo(m.charged());
            }
            assertThat(s.delivered()).as("delivered to %s", t).isEqualTo(m.delivered);
            for (DropReason r : DropReason.values()) {
                assertThat(s.dropped(r)).as("%s dropped for %s", r, t).isEqualTo(m.dropped.getOrDefault(r, 0L));
            }
            assertThat(s.oldestAgeMillis()).isEqualTo(m.pending.isEmpty() ? 0
                    : Math.max(0, clock.nowMillis() - m.pending.get(0).createdAtMillis));
            // Within a hint's worth per full segment (the one that did not fit), three segments, one of
            // which (the oldest, delivered in part) may have been made to fit a hint larger than a segment.
            long disk = HintFixtures.diskBytes(dir.resolve(t.toString()).toAbsolutePath());
            assertThat(disk).as("disk of %s holding %s", t, s).isLessThanOrEqualTo(2 * s.bytes() + 3 * SEGMENT_BYTES
                    + largestCharge + DeliveryCheckpoint.BYTES);
            total += s.bytes();
        }
        assertThat(store.totalBytes()).isEqualTo(total);
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            HintFixtures.deleteTree(dir);
        }
    }

    /** Whether {@code small}'s elements appear in {@code big} in the same order. */
    private static boolean isSubsequence(List<Integer> small, List<Integer> big) {
        int i = 0;
        for (Integer x : big) {
            if (i < small.size() && small.get(i).equals(x)) {
                i++;
            }
        }
        return i == small.size();
    }

    private static long[] segmentIds(Path targetDir) throws IOException {
        if (!Files.isDirectory(targetDir)) {
            return new long[0];
        }
        try (var files = Files.list(targetDir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("commitlog-\\d{16}\\.log"))
                    .mapToLong(n -> Long.parseLong(n.replaceAll("\\D", "")))
                    .sorted()
                    .toArray();
        }
    }

    private static void destroyFrom(Path file, long offset, Random random) throws IOException {
        long size = Files.size(file);
        if (offset >= size) {
            return;
        }
        switch (random.nextInt(4)) {
            case 0 -> HintFixtures.truncate(file, offset);
            case 1 -> HintFixtures.overwrite(file, offset, size - offset, null);
            case 2 -> HintFixtures.overwrite(file, offset, 1 + random.nextInt(64), random);
            default -> {
                // A process crash without a power cut: the page cache kept it all.
            }
        }
    }
}
