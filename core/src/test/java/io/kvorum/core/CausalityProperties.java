package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.ReplicatedHistory.Crash;
import io.kvorum.core.ReplicatedHistory.Read;
import io.kvorum.core.ReplicatedHistory.Shipping;
import io.kvorum.core.ReplicatedHistory.Step;
import io.kvorum.core.ReplicatedHistory.Sync;
import io.kvorum.core.ReplicatedHistory.Write;
import io.kvorum.core.testing.RecordArbitraries;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The laws of DESIGN.md "Data model and causality". Algebraic laws run on arbitrary sets of
 * records; the causal laws run on histories of the replicated write protocol
 * ({@link ReplicatedHistory}), whose ground truth is each write's actual causal past.
 */
class CausalityProperties {
    private static final int REPLICAS = 3;
    private static final int KEYS = 2;

    @Provide
    Arbitrary<List<Record>> pool() {
        return RecordArbitraries.recordPoolOfOneKey();
    }

    @Provide
    Arbitrary<List<Step>> history() {
        return ReplicatedHistory.steps(REPLICAS, KEYS);
    }

    private static List<Record> subset(List<Record> pool, int mask) {
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                out.add(pool.get(i));
            }
        }
        return out;
    }

    @Property
    void mergeIsCommutative(@ForAll("pool") List<Record> pool, @ForAll @IntRange(max = 1023) int a,
                            @ForAll @IntRange(max = 1023) int b) {
        assertThat(Causality.merge(subset(pool, a), subset(pool, b)))
                .isEqualTo(Causality.merge(subset(pool, b), subset(pool, a)));
    }

    @Property
    void mergeIsAssociative(@ForAll("pool") List<Record> pool, @ForAll @IntRange(max = 1023) int a,
                            @ForAll @IntRange(max = 1023) int b, @ForAll @IntRange(max = 1023) int c) {
        List<Record> x = subset(pool, a);
        List<Record> y = subset(pool, b);
        List<Record> z = subset(pool, c);
        assertThat(Causality.merge(Causality.merge(x, y), z)).isEqualTo(Causality.merge(x, Causality.merge(y, z)));
    }

    @Property
    void mergeIsIdempotent(@ForAll("pool") List<Record> pool, @ForAll @IntRange(max = 1023) int a) {
        List<Record> x = subset(pool, a);
        List<Record> resolved = Causality.resolve(x);
        assertThat(Causality.merge(x, x)).isEqualTo(resolved);
        assertThat(Causality.merge(resolved, x)).isEqualTo(resolved);
        assertThat(Causality.resolve(resolved)).isEqualTo(resolved);
    }

    @Property
    void resolveIgnoresOrderAndDuplicates(@ForAll("pool") List<Record> pool, @ForAll long seed) {
        List<Record> shuffled = new ArrayList<>(pool);
        shuffled.addAll(pool.subList(0, pool.size() / 2));
        Collections.shuffle(shuffled, new java.util.Random(seed));
        assertThat(Causality.resolve(shuffled)).isEqualTo(Causality.resolve(pool));
    }

    @Property
    void resolveDropsExactlyTheRecordsSomeOtherRecordCovers(@ForAll("pool") List<Record> pool) {
        List<Record> survivors = Causality.resolve(pool);
        for (Record a : pool) {
            boolean covered = pool.stream().anyMatch(b -> !b.dot().equals(a.dot()) && b.context().covers(a.dot()));
            assertThat(survivors.contains(a)).as("%s covered=%s", a, covered).isEqualTo(!covered);
        }
    }

    @Property
    void mergeLawsHoldForReplicaStatesOfAnyHistory(@ForAll("history") List<Step> steps,
                                                   @ForAll @IntRange(max = KEYS - 1) int key) {
        ReplicatedHistory h = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        List<Record> a = h.held(0, key);
        List<Record> b = h.held(1, key);
        List<Record> c = h.held(2, key);
        assertThat(Causality.merge(a, b)).isEqualTo(Causality.merge(b, a));
        assertThat(Causality.merge(Causality.merge(a, b), c)).isEqualTo(Causality.merge(a, Causality.merge(b, c)));
        assertThat(Causality.merge(a, a)).isEqualTo(Causality.resolve(a));
    }

    /** The safety law: acting on a context can only discard what its writer really saw. */
    @Property
    void aWriteNeverSupersedesARecordItCouldNotHaveSeen(@ForAll("history") List<Step> steps) {
        ReplicatedHistory h = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        assertNoWriteSupersedesAnUnseenRecord(h);
    }

    /** The liveness side: everything a writer saw, its write does supersede. */
    @Property
    void aWriteSupersedesEveryRecordInItsCausalPast(@ForAll("history") List<Step> steps) {
        ReplicatedHistory h = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        for (Record w : h.written()) {
            for (Record x : h.written()) {
                if (x.key().equals(w.key()) && h.pastOf(w.dot()).contains(x.dot())) {
                    assertThat(Causality.obsolete(x, w)).as("%s saw %s", w, x).isTrue();
                }
            }
        }
    }

    @Property
    void aWriteWithAReadsContextSupersedesExactlyTheSiblingsThatReadReturned(
            @ForAll("history") List<Step> steps, @ForAll @IntRange(max = REPLICAS - 1) int readAt,
            @ForAll @IntRange(max = KEYS - 1) int key) {
        ReplicatedHistory h = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        Read read = h.read(readAt, key);
        Record w = Record.value(Key.of("key-" + key), new Dot(new Actor(new NodeId(999), 0), 1), read.context(),
                5_000, "new".getBytes());

        // Where the read was made, the write replaces everything.
        List<Record> here = new ArrayList<>(h.held(readAt, key));
        here.add(w);
        assertThat(Causality.resolve(here)).containsExactly(w);

        // Elsewhere, it replaces what the read returned (and their past) and nothing else.
        for (int r = 0; r < REPLICAS; r++) {
            List<Record> before = Causality.resolve(h.held(r, key));
            List<Record> after = new ArrayList<>(h.held(r, key));
            after.add(w);
            List<Record> expected = new ArrayList<>();
            for (Record x : before) {
                if (!read.seen().contains(x.dot())) {
                    expected.add(x);
                }
            }
            expected.add(w);
            assertThat(Causality.resolve(after)).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Property
    void afterFullRepairTheSurvivorsAreExactlyTheRecordsNoOtherWriteSaw(@ForAll("history") List<Step> steps,
                                                                       @ForAll @IntRange(max = KEYS - 1) int key) {
        ReplicatedHistory h = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        List<Record> union = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
            union = Causality.merge(union, h.held(r, key));
        }
        List<Record> all = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
            all.addAll(h.held(r, key));
        }
        for (Record x : all) {
            boolean seenBySomeone = all.stream().anyMatch(y -> h.pastOf(y.dot()).contains(x.dot()));
            assertThat(union.contains(x)).as("%s seen=%s", x, seenBySomeone).isEqualTo(!seenBySomeone);
        }
    }

    @Property
    void twoWritesThatDidNotSeeEachOtherBothSurvive(@ForAll("history") List<Step> steps,
                                                    @ForAll @IntRange(max = REPLICAS - 1) int first,
                                                    @ForAll @IntRange(max = REPLICAS - 1) int second,
                                                    @ForAll @IntRange(max = 7) int firstMask,
                                                    @ForAll @IntRange(max = 7) int secondMask) {
        List<Step> all = new ArrayList<>(steps);
        all.add(new Write(first, -1, 0, false, firstMask));
        all.add(new Write(second, -1, 0, false, secondMask));
        ReplicatedHistory h = ReplicatedHistory.run(all, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        List<Record> written = h.written();
        Record a = written.get(written.size() - 2);
        Record b = written.get(written.size() - 1);
        List<Record> union = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
            union = Causality.merge(union, h.held(r, 0));
        }
        assertThat(union).contains(a, b);
    }

    /** DESIGN.md asks for a test that fails when the coordinator stops shipping its survivors. */
    @Test
    void withoutShippingSurvivorsAReaderCanDiscardARecordItNeverSaw() {
        List<Step> steps = List.of(
                new Write(0, -1, 0, false, 0b011),   // (A,1) reaches replicas 0 and 1
                new Write(0, -1, 0, false, 0b100),   // (A,2), concurrent with (A,1), reaches replica 2
                new Write(2, 2, 0, false, 0b111));   // a client reads at replica 2 and writes back
        ReplicatedHistory broken = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.NEW_RECORD_ONLY, true);
        assertThat(findSupersededUnseen(broken)).isNotEmpty();

        ReplicatedHistory correct = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        assertThat(findSupersededUnseen(correct)).isEmpty();
    }

    /** And the epoch: a node that lost a write in a crash must not reuse the actor that wrote it. */
    @Test
    void withoutANewEpochAfterACrashAReaderCanDiscardARecordItNeverSaw() {
        List<Step> steps = List.of(
                new Write(0, -1, 0, false, 0b011),   // (A,1) at replicas 0 and 1
                new Crash(0, 1),                      // replica 0 loses it before flushing
                new Write(0, -1, 0, false, 0b100),   // A's next write ships without (A,1)
                new Write(2, 2, 0, false, 0b111));
        ReplicatedHistory broken = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, false);
        assertThat(findSupersededUnseen(broken)).isNotEmpty();

        ReplicatedHistory correct = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        assertThat(findSupersededUnseen(correct)).isEmpty();
    }

    @Test
    void syncOfDivergedReplicasKeepsBothSidesUntilAWriteSeesThem() {
        List<Step> steps = List.of(
                new Write(0, -1, 1, false, 0b001),
                new Write(1, -1, 1, true, 0b010),
                new Sync(0, 1, 1),
                new Sync(1, 0, 1));
        ReplicatedHistory h = ReplicatedHistory.run(steps, REPLICAS, KEYS, Shipping.SURVIVORS, true);
        assertThat(h.read(0, 1).siblings()).hasSize(2);
        assertThat(h.read(1, 1).siblings()).hasSize(2);
        assertThat(h.read(1, 1).context()).isEqualTo(h.read(0, 1).context());
    }

    private static void assertNoWriteSupersedesAnUnseenRecord(ReplicatedHistory h) {
        assertThat(findSupersededUnseen(h)).isEmpty();
    }

    private static List<String> findSupersededUnseen(ReplicatedHistory h) {
        List<String> violations = new ArrayList<>();
        for (Record w : h.written()) {
            for (Record x : h.written()) {
                if (x.key().equals(w.key()) && Causality.obsolete(x, w) && !h.pastOf(w.dot()).contains(x.dot())) {
                    violations.add(w.dot() + " supersedes unseen " + x.dot());
                }
            }
        }
        return violations;
    }
}
