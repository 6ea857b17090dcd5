package io.kvorum.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.streaming.StreamSim.Node;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import io.kvorum.core.testing.RecordArbitraries;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The law of range streaming: after pulling a range from its sources, the receiver holds, for that
 * range, exactly the union of what it and every source held there (resolved), and nothing new
 * outside it.
 */
class RangeStreamProperties {

    /** A key and its causal history of writes; which replicas hold which write is chosen separately. */
    record KeyHistory(Key key, List<Record> writes) {
    }

    @Provide
    Arbitrary<List<KeyHistory>> histories() {
        Arbitrary<Key> keys = Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8).map(Key::of),
                Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(12).map(Key::of));
        return Combinators.combine(keys, RecordArbitraries.recordPoolOfOneKey())
                .as((key, pool) -> new KeyHistory(key, pool.stream().map(r -> Histories.rekey(r, key)).toList()))
                .list().ofMaxSize(25).uniqueElements(KeyHistory::key);
    }

    /**
     * A range bound: near a key's token (one before, at, one after) so that the exclusive start and
     * inclusive end are exercised, or the ring's ends, or anywhere.
     */
    private static long bound(List<KeyHistory> histories, int pick, int offset, long anywhere) {
        if (pick < 0 || histories.isEmpty()) {
            return switch (Math.floorMod(pick, 3)) {
                case 0 -> Token.MIN;
                case 1 -> Token.MAX;
                default -> anywhere;
            };
        }
        long t = histories.get(pick % histories.size()).key().token();
        long shifted = t + offset;
        return (offset > 0 && shifted < t) || (offset < 0 && shifted > t) ? t : shifted; // no overflow
    }

    @Property(tries = 300)
    void theReceiverEndsWithTheUnionOfTheRangeAndNothingElse(
            @ForAll("histories") List<KeyHistory> histories,
            @ForAll @IntRange(min = 1, max = 3) int sourceCount,
            @ForAll @Size(100) List<@IntRange(min = 0, max = 15) Integer> holders,
            @ForAll @IntRange(min = -3, max = 30) int startPick, @ForAll @IntRange(min = -1, max = 1) int startOffset,
            @ForAll @IntRange(min = -3, max = 30) int endPick, @ForAll @IntRange(min = -1, max = 1) int endOffset,
            @ForAll long anyStart, @ForAll long anyEnd,
            @ForAll @IntRange(min = 1, max = 3000) int chunkBytes,
            @ForAll @IntRange(min = 1, max = 3) int parallelUnits,
            @ForAll long seed) {
        StreamSim sim = new StreamSim(seed);
        Node dest = sim.node(100);
        List<Node> sources = new ArrayList<>();
        for (int s = 0; s < sourceCount; s++) {
            sources.add(sim.node(s + 1));
        }
        // Bits 0..2 say which sources hold a write, bit 3 whether the receiver already does.
        int i = 0;
        for (KeyHistory h : histories) {
            for (Record r : h.writes()) {
                int mask = holders.get(i++ % holders.size());
                for (int s = 0; s < sourceCount; s++) {
                    if ((mask >> s & 1) == 1) {
                        sources.get(s).store.load(List.of(r));
                    }
                }
                if ((mask >> 3 & 1) == 1) {
                    dest.store.load(List.of(r));
                }
            }
        }
        TokenRange range = TokenRange.of(bound(histories, startPick, startOffset, anyStart),
                bound(histories, endPick, endOffset, anyEnd));
        TreeMap<Key, List<Record>> before = StreamSim.contents(dest.store);
        List<Map<Key, List<Record>>> states = new ArrayList<>();
        states.add(StreamSim.restrict(before, range));
        List<NodeId> ids = new ArrayList<>();
        for (Node s : sources) {
            states.add(StreamSim.contents(s.store, range));
            ids.add(s.id);
        }
        @SuppressWarnings("unchecked")
        TreeMap<Key, List<Record>> model = StreamSim.union(states.toArray(new Map[0]));

        Statistics.label("receiver changes").collect(!model.equals(StreamSim.restrict(before, range)));
        Statistics.label("range wraps").collect(range.wraps());
        Statistics.label("sources").collect(sourceCount);
        Statistics.label("model keys with siblings").collect(model.values().stream().anyMatch(rs -> rs.size() > 1));

        StreamSession session = sim.streamer(dest, StreamOptions.defaults().withChunkBytes(chunkBytes)
                .withParallelUnits(parallelUnits)).pull("property", List.of(new StreamTask(range, ids)));
        sim.awaitDone(session, 3_600_000);

        assertThat(session.done().join().records()).isEqualTo(dest.store.appliedRecords);
        TreeMap<Key, List<Record>> after = StreamSim.contents(dest.store);
        assertThat(StreamSim.restrict(after, range)).as("range %s", range).isEqualTo(model);
        TreeMap<Key, List<Record>> outsideAfter = new TreeMap<>(after);
        outsideAfter.keySet().removeIf(k -> range.contains(k.token()));
        TreeMap<Key, List<Record>> outsideBefore = new TreeMap<>(before);
        outsideBefore.keySet().removeIf(k -> range.contains(k.token()));
        assertThat(outsideAfter).as("outside %s", range).isEqualTo(outsideBefore);
        // The law says little unless many tries actually move records.
        Statistics.label("receiver changes").coverage(c -> c.check(true).percentage(p -> p >= 25));
        Statistics.label("range wraps").coverage(c -> c.check(true).percentage(p -> p >= 20));
    }
}
