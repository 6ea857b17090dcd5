package io.kvorum.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TokenAllocatorTest {
    private static final NodeId NEW = new NodeId(-1);

    @Test
    void evenTokensGiveEveryNodeExactlyItsShare() {
        for (int count : new int[] {1, 2, 3, 7, 32, 100}) {
            for (int numTokens : new int[] {1, 16, 256}) {
                Map<NodeId, List<Long>> tokens = new TreeMap<>();
                for (int i = 0; i < count; i++) {
                    tokens.put(new NodeId(i + 1), TokenAllocator.evenTokens(i, count, numTokens));
                }
                Ring ring = Ring.of(tokens, Map.of());
                assertThat(ring.vnodeCount()).isEqualTo(count * numTokens);
                ring.ownership().values().forEach(share -> assertThat(share).isCloseTo(1.0 / count, within(1e-12)));
            }
        }
    }

    @Test
    void evenTokensInterleaveTheNodes() {
        List<Long> all = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 3; i++) {
                all.add(TokenAllocator.evenTokens(i, 3, 4).get(k));
            }
        }
        assertThat(all).isSorted().doesNotHaveDuplicates().doesNotContain(Token.MIN);
        assertThat(TokenAllocator.evenTokens(0, 1, 1)).containsExactly(0L);
        assertThat(TokenAllocator.evenTokens(0, 1, 2)).containsExactly(Token.MIN / 2, -(Token.MIN / 2));
    }

    @Test
    void evenTokensCheckTheirArguments() {
        assertThatThrownBy(() -> TokenAllocator.evenTokens(3, 3, 16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("index: 3 (expected: >= 0 and < count 3)");
        assertThatThrownBy(() -> TokenAllocator.evenTokens(-1, 3, 16)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenAllocator.evenTokens(0, 0, 16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("count: 0 (expected: > 0)");
        assertThatThrownBy(() -> TokenAllocator.evenTokens(0, 3, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numTokens: 0 (expected: >= 1 and <= 1536)");
    }

    @Test
    void theFirstNodesTokensAreEvenlySpacedAtARandomOffset() {
        List<Long> a = TokenAllocator.allocate(Ring.empty(), 16, RandomSource.seeded(1));
        List<Long> b = TokenAllocator.allocate(Ring.empty(), 16, RandomSource.seeded(2));
        assertThat(a).hasSize(16).isSorted().doesNotHaveDuplicates().doesNotContain(Token.MIN).isNotEqualTo(b);
        assertThat(TokenAllocator.allocate(Ring.empty(), 16, RandomSource.seeded(1))).isEqualTo(a);
        Ring ring = Ring.of(Map.of(NEW, a), Map.of());
        ring.primaryRanges(NEW).forEach(r -> assertThat(r.end() - r.start()).isEqualTo(1L << 60));
    }

    @Test
    void theSecondNodeHalvesEveryRangeOfTheFirst() {
        NodeId first = new NodeId(1);
        Ring one = Ring.of(Map.of(first, TokenAllocator.evenTokens(0, 1, 16)), Map.of());
        Ring two = one.withNode(NEW, TokenAllocator.allocate(one, 16, RandomSource.seeded(0)), Ring.NO_RACK);
        assertThat(two.ownership().get(NEW)).isCloseTo(0.5, within(1e-9));
        two.primaryRanges(NEW).forEach(r -> assertThat((double) (r.end() - r.start())).isCloseTo(0x1p59, within(2.0)));
    }

    @Test
    void tokensBeyondTheRangesToCutSplitTheNewcomersOwnShare() {
        // One node with one vnode: a single range to cut, sixteen tokens wanted.
        Ring one = Ring.of(Map.of(new NodeId(1), List.of(0L)), Map.of());
        List<Long> tokens = TokenAllocator.allocate(one, 16, RandomSource.seeded(0));
        Ring two = one.withNode(NEW, tokens, Ring.NO_RACK);
        assertThat(tokens).hasSize(16).doesNotHaveDuplicates().doesNotContain(0L, Token.MIN);
        assertThat(two.ownership().get(NEW)).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void aJoinPlanDependsOnlyOnTheRing() {
        Ring ring = Ring.of(Map.of(new NodeId(1), List.of(5L, 1L << 40), new NodeId(2), List.of(-3L)), Map.of());
        assertThat(TokenAllocator.allocate(ring, 8, RandomSource.seeded(1)))
                .isEqualTo(TokenAllocator.allocate(ring, 8, RandomSource.seeded(2)));
    }

    @Test
    void aNewcomerTakesFromTheMostLoadedNode() {
        // Node 1 owns three quarters, node 2 a quarter: the newcomer's third comes from node 1 alone.
        NodeId heavy = new NodeId(1);
        NodeId light = new NodeId(2);
        Ring ring = Ring.of(Map.of(heavy, List.of(Token.MIN / 2), light, List.of(0L)), Map.of());
        Ring after = ring.withNode(NEW, TokenAllocator.allocate(ring, 4, RandomSource.seeded(0)), Ring.NO_RACK);
        assertThat(after.ownership().get(NEW)).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(after.ownership().get(light)).isCloseTo(0.25, within(1e-9));
        assertThat(after.ownership().get(heavy)).isCloseTo(0.75 - 1.0 / 3, within(1e-9));
    }

    @Test
    void allocateChecksItsArguments() {
        assertThatThrownBy(() -> TokenAllocator.allocate(Ring.empty(), 0, RandomSource.seeded(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("numTokens: 0 (expected: >= 1 and <= 1536)");
        assertThatThrownBy(() -> TokenAllocator.allocate(Ring.empty(), 1537, RandomSource.seeded(0)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
