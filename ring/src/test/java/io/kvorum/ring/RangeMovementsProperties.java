package io.kvorum.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.ring.RangeMovements.Movement;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link RangeMovements} against its definition, checked token by token: a node must fetch a token
 * exactly when the new ring makes it a replica of that token and the old one did not, and then from
 * exactly the token's old replicas.
 */
class RangeMovementsProperties {

    private static Ring ring(RandomSource random, int nodes, int numTokens) {
        Ring ring = Ring.empty();
        for (int i = 0; i < nodes; i++) {
            ring = ring.withNode(NodeId.random(random), TokenAllocator.allocate(ring, numTokens, 3, random), Ring.NO_RACK);
        }
        return ring;
    }

    private static List<Long> probes(RandomSource random, Ring a, Ring b) {
        List<Long> probes = new ArrayList<>();
        for (Ring r : List.of(a, b)) {
            for (NodeId n : r.nodes()) {
                for (long t : r.tokensOf(n)) {
                    probes.add(t);
                    probes.add(t + 1);
                    probes.add(t - 1);
                }
            }
        }
        for (int i = 0; i < 300; i++) {
            probes.add(random.nextLong());
        }
        probes.add(Long.MIN_VALUE);
        probes.add(Long.MAX_VALUE);
        return probes;
    }

    private static void checkAgainstDefinition(Ring from, Ring to, int rf, RandomSource random) {
        List<Movement> movements = RangeMovements.between(from, to, rf);
        for (long t : probes(random, from, to)) {
            List<NodeId> before = from.preferenceList(t, rf);
            Map<NodeId, Integer> covering = new HashMap<>();
            for (Movement m : movements) {
                if (m.range().contains(t)) {
                    covering.merge(m.destination(), 1, Integer::sum);
                    assertThat(m.sources()).as("sources of token %d", t).isEqualTo(before);
                }
            }
            Map<NodeId, Integer> expected = new HashMap<>();
            for (NodeId n : to.preferenceList(t, rf)) {
                if (!before.contains(n)) {
                    expected.put(n, 1);
                }
            }
            assertThat(covering).as("who fetches token %d", t).isEqualTo(expected);
        }
    }

    @Property(tries = 200)
    void aJoinMovesExactlyTheRangesTheNewNodeGains(@ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodes,
                                                   @ForAll @IntRange(min = 1, max = 16) int numTokens,
                                                   @ForAll @IntRange(min = 1, max = 4) int rf) {
        RandomSource random = RandomSource.seeded(seed);
        Ring from = ring(random, nodes, numTokens);
        NodeId joiner = NodeId.random(random);
        Ring to = from.withNode(joiner, TokenAllocator.allocate(from, numTokens, rf, random), Ring.NO_RACK);
        checkAgainstDefinition(from, to, rf, random);
        assertThat(RangeMovements.between(from, to, rf)).allMatch(m -> m.destination().equals(joiner));
    }

    @Property(tries = 200)
    void aLeaveOrRemovalMovesTheRangesToTheirNextReplicas(@ForAll long seed,
                                                           @ForAll @IntRange(min = 2, max = 8) int nodes,
                                                           @ForAll @IntRange(min = 1, max = 16) int numTokens,
                                                           @ForAll @IntRange(min = 1, max = 4) int rf) {
        RandomSource random = RandomSource.seeded(seed);
        Ring from = ring(random, nodes, numTokens);
        List<NodeId> members = new ArrayList<>(from.nodes());
        NodeId leaver = members.get(random.nextInt(members.size()));
        Ring to = from.withoutNode(leaver);
        checkAgainstDefinition(from, to, rf, random);
        assertThat(RangeMovements.between(from, to, rf)).noneMatch(m -> m.destination().equals(leaver))
                .allMatch(m -> m.sources().contains(leaver));
    }

    @Property(tries = 100)
    void equalRingsMoveNothing(@ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodes) {
        RandomSource random = RandomSource.seeded(seed);
        Ring ring = ring(random, nodes, 8);
        assertThat(RangeMovements.between(ring, ring, 3)).isEmpty();
    }
}
