package io.kvorum.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RingTest {
    private static final NodeId A = NodeId.parse("000000000000000a");
    private static final NodeId B = NodeId.parse("000000000000000b");
    private static final NodeId C = NodeId.parse("000000000000000c");
    private static final NodeId D = NodeId.parse("000000000000000d");
    private static final NodeId E = NodeId.parse("000000000000000e");

    /** A at -100 and 100, B at 0. */
    private static Ring threeVnodes() {
        return Ring.of(Map.of(A, List.of(-100L, 100L), B, List.of(0L)), Map.of());
    }

    @Test
    void aKeyBelongsToTheFirstVnodeAtOrAfterItsToken() {
        Ring ring = threeVnodes();
        assertThat(ring.preferenceList(-100, 1)).containsExactly(A);
        assertThat(ring.preferenceList(-99, 1)).containsExactly(B);
        assertThat(ring.preferenceList(0, 1)).containsExactly(B);
        assertThat(ring.preferenceList(1, 1)).containsExactly(A);
        assertThat(ring.preferenceList(100, 1)).containsExactly(A);
    }

    @Test
    void aKeyAboveTheHighestTokenWrapsToTheLowest() {
        Ring ring = Ring.of(Map.of(A, List.of(-100L), B, List.of(100L)), Map.of());
        assertThat(ring.preferenceList(101, 2)).containsExactly(A, B);
        assertThat(ring.preferenceList(Token.MAX, 2)).containsExactly(A, B);
        assertThat(ring.preferenceList(Token.MIN + 1, 2)).containsExactly(A, B);
        // The lowest vnode owns the wrapping range (100, -100].
        assertThat(ring.primaryRanges(A)).containsExactly(TokenRange.of(100, -100));
        assertThat(ring.primaryRanges(A).get(0).wraps()).isTrue();
        assertThat(ring.primaryRanges(B)).containsExactly(TokenRange.of(-100, 100));
    }

    @Test
    void aKeyIsPlacedByItsToken() {
        Ring ring = threeVnodes();
        Key key = Key.of("some key");
        assertThat(ring.preferenceList(key, 2)).isEqualTo(ring.preferenceList(key.token(), 2));
    }

    @Test
    void theWalkSkipsFurtherVnodesOfNodesAlreadyChosen() {
        // Clockwise from 1: A(100), A(200), B(300), A(400), C(500).
        Ring ring = Ring.of(Map.of(A, List.of(100L, 200L, 400L), B, List.of(300L), C, List.of(500L)), Map.of());
        assertThat(ring.preferenceList(1, 3)).containsExactly(A, B, C);
        assertThat(ring.preferenceList(350, 3)).containsExactly(A, C, B);
    }

    @Test
    void anEmptyRingPlacesNothing() {
        Ring ring = Ring.empty();
        assertThat(ring.preferenceList(42, 3)).isEmpty();
        assertThat(ring.preferenceList(Key.of("k"), 1)).isEmpty();
        assertThat(ring.nodes()).isEmpty();
        assertThat(ring.size()).isZero();
        assertThat(ring.isEmpty()).isTrue();
        assertThat(ring.ownership()).isEmpty();
        assertThat(ring.contains(A)).isFalse();
        assertThat(ring).isEqualTo(Ring.of(Map.of(), Map.of()));
        assertThat(ring).hasToString("Ring[0 nodes, 0 vnodes]");
        assertThatThrownBy(() -> ring.withoutNode(A)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("000000000000000a");
        assertThatThrownBy(() -> Ring.of(Map.of(), Map.of(A, "r1"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSingleNodeOwnsEverything() {
        Ring one = Ring.of(Map.of(A, List.of(7L)), Map.of());
        assertThat(one.preferenceList(Token.MAX, 3)).containsExactly(A);
        assertThat(one.preferenceList(7, 1)).containsExactly(A);
        assertThat(one.ownership()).containsExactly(Map.entry(A, 1.0));
        assertThat(one.primaryRanges(A)).containsExactly(TokenRange.of(7, 7));
        assertThat(one.primaryRanges(A).get(0).isFull()).isTrue();
        assertThat(one.replicaRanges(A, 3)).containsExactly(TokenRange.of(7, 7));

        Ring many = Ring.of(Map.of(A, TokenAllocator.evenTokens(0, 1, 16)), Map.of());
        assertThat(many.ownership().get(A)).isCloseTo(1.0, within(1e-12));
        assertThat(many.primaryRanges(A)).hasSize(16);
    }

    @Test
    void nLargerThanTheNodeCountGivesEveryNode() {
        Ring ring = threeVnodes();
        assertThat(ring.preferenceList(5, 10)).containsExactly(A, B);
        assertThat(ring.preferenceList(5, Integer.MAX_VALUE)).containsExactly(A, B);
        assertThat(ring.replicaRanges(B, 10)).hasSize(3);
    }

    @Test
    void listsLongerThanThePrecomputedWalksAreWalkedOnDemand() {
        Map<NodeId, List<Long>> tokens = new TreeMap<>();
        int count = Ring.PRECOMPUTED_REPLICAS + 4;
        for (int i = 0; i < count; i++) {
            tokens.put(new NodeId(i + 1), TokenAllocator.evenTokens(i, count, 4));
        }
        Ring ring = Ring.of(tokens, Map.of());
        List<NodeId> all = ring.preferenceList(123, count);
        assertThat(all).hasSize(count).doesNotHaveDuplicates();
        assertThat(all.subList(0, Ring.PRECOMPUTED_REPLICAS)).isEqualTo(ring.preferenceList(123, Ring.PRECOMPUTED_REPLICAS));
    }

    @Test
    void nMustBePositive() {
        assertThatThrownBy(() -> threeVnodes().preferenceList(1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("n: 0 (expected: > 0)");
        assertThatThrownBy(() -> threeVnodes().replicaRanges(A, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPreferenceListIsReadOnly() {
        List<NodeId> list = threeVnodes().preferenceList(1, 2);
        assertThatThrownBy(() -> list.add(C)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> list.set(0, C)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> list.get(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(list).isEqualTo(List.of(A, B));
        assertThat(list.hashCode()).isEqualTo(List.of(A, B).hashCode());
    }

    @Test
    void aTokenClaimedByTwoNodesIsRejectedNamingBoth() {
        assertThatThrownBy(() -> Ring.of(Map.of(A, List.of(1L, 5L), B, List.of(5L)), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token 5 is claimed by both 000000000000000a and 000000000000000b"
                        + " (expected: every token owned by one node)");
    }

    @Test
    void aTokenListedTwiceByOneNodeIsRejected() {
        assertThatThrownBy(() -> Ring.of(Map.of(A, List.of(5L, 5L)), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tokens of node 000000000000000a: 5 twice (expected: distinct tokens)");
    }

    @Test
    void theOriginIsNeverAToken() {
        assertThatThrownBy(() -> Ring.of(Map.of(A, List.of(1L, Token.MIN)), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("token of node 000000000000000a: -9223372036854775808 (expected: ")
                .hasMessageContaining("Token.MIN");
    }

    @Test
    void aNodeWithoutTokensIsRejected() {
        assertThatThrownBy(() -> Ring.of(Map.of(A, List.of(1L), B, List.of()), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tokens of node 000000000000000b: [] (expected: at least one token)");
    }

    @Test
    void tooManyTokensForOneNodeAreRejected() {
        List<Long> tokens = new ArrayList<>();
        for (long t = 1; t <= Ring.MAX_TOKENS_PER_NODE + 1; t++) {
            tokens.add(t);
        }
        assertThatThrownBy(() -> Ring.of(Map.of(A, tokens), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tokens of node 000000000000000a: 1537 tokens (expected: <= 1536)");
    }

    @Test
    void racksMustBeGivenForEveryNodeOrNone() {
        Map<NodeId, List<Long>> tokens = Map.of(A, List.of(1L), B, List.of(2L));
        assertThatThrownBy(() -> Ring.of(tokens, Map.of(A, "r1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no rack for 000000000000000b");
        assertThatThrownBy(() -> Ring.of(tokens, Map.of(A, "r1", B, "r1", C, "r2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a rack for 000000000000000c");
        assertThatThrownBy(() -> Ring.of(tokens, Map.of(A, "r1", B, " ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rack of node 000000000000000b: ' ' (expected: a non-blank name)");
    }

    /** Clockwise from 5: A(10, r1), B(20, r1), C(30, r2), D(40, r2), E(50, r3). */
    private static Ring racked() {
        return Ring.of(Map.of(A, List.of(10L), B, List.of(20L), C, List.of(30L), D, List.of(40L), E, List.of(50L)),
                Map.of(A, "r1", B, "r1", C, "r2", D, "r2", E, "r3"));
    }

    @Test
    void racksArePreferredBeforeNodesOfRacksAlreadyUsed() {
        Ring ring = racked();
        assertThat(ring.preferenceList(5, 3)).containsExactly(A, C, E);
        // Fewer racks than n: the skipped nodes follow in clockwise order.
        assertThat(ring.preferenceList(5, 4)).containsExactly(A, C, E, B);
        assertThat(ring.preferenceList(5, 5)).containsExactly(A, C, E, B, D);
        assertThat(ring.preferenceList(35, 3)).containsExactly(D, E, A);
        assertThat(ring.preferenceList(35, 5)).containsExactly(D, E, A, B, C);
        assertThat(ring.rackOf(C)).isEqualTo("r2");
        assertThat(ring.hasRacks()).isTrue();
        assertThat(ring).hasToString("Ring[5 nodes, 5 vnodes, 3 racks]");
    }

    @Test
    void oneRackIsThePlainWalk() {
        Map<NodeId, List<Long>> tokens = Map.of(A, List.of(10L), B, List.of(20L), C, List.of(30L));
        Ring oneRack = Ring.of(tokens, Map.of(A, "r", B, "r", C, "r"));
        Ring noRacks = Ring.of(tokens, Map.of());
        assertThat(oneRack.preferenceList(15, 3)).containsExactly(B, C, A).isEqualTo(noRacks.preferenceList(15, 3));
        assertThat(noRacks.rackOf(A)).isEqualTo(Ring.NO_RACK);
        assertThat(oneRack).isNotEqualTo(noRacks);
    }

    @Test
    void nodesJoinAndLeave() {
        Ring ring = threeVnodes().withNode(C, List.of(50L), Ring.NO_RACK);
        assertThat(ring.nodes()).containsExactly(A, B, C);
        assertThat(ring.preferenceList(1, 1)).containsExactly(C);
        assertThat(ring.tokensOf(C)).containsExactly(50L);

        Ring without = ring.withoutNode(A);
        assertThat(without.nodes()).containsExactly(B, C);
        // A's ranges pass to the next vnodes clockwise.
        assertThat(without.preferenceList(-100, 1)).containsExactly(B);
        assertThat(without.preferenceList(51, 1)).containsExactly(B);
        assertThat(without.withoutNode(B).withoutNode(C)).isEqualTo(Ring.empty());
    }

    @Test
    void joinsAreChecked() {
        Ring ring = threeVnodes();
        assertThatThrownBy(() -> ring.withNode(A, List.of(3L), Ring.NO_RACK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node: 000000000000000a (expected: a node not yet in the ring)");
        assertThatThrownBy(() -> ring.withNode(C, List.of(0L), Ring.NO_RACK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token 0 is claimed by both");
        assertThatThrownBy(() -> ring.withNode(C, List.of(3L), "r1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Ring.NO_RACK, as this ring has no racks");
        assertThatThrownBy(() -> racked().withNode(new NodeId(99), List.of(3L), Ring.NO_RACK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a rack, as every node of this ring has one");
        assertThat(Ring.empty().withNode(A, List.of(3L), "r1").rackOf(A)).isEqualTo("r1");
    }

    @Test
    void questionsAboutANonMemberAreRejected() {
        Ring ring = threeVnodes();
        assertThatThrownBy(() -> ring.tokensOf(C)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node: 000000000000000c (expected: a member of the ring)");
        assertThatThrownBy(() -> ring.rackOf(C)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.primaryRanges(C)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.replicaRanges(C, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.withoutNode(C)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ownershipIsEachNodesShareOfTheTokenSpace() {
        // A owns (0, MIN/2] wrapped: from 0 up to MAX and on to MIN/2, three quarters; B owns (MIN/2, 0].
        Ring ring = Ring.of(Map.of(A, List.of(Token.MIN / 2), B, List.of(0L)), Map.of());
        assertThat(ring.ownership().get(A)).isCloseTo(0.75, within(1e-12));
        assertThat(ring.ownership().get(B)).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void replicaRangesAreTheVnodeRangesANodeReplicates() {
        // Ranges: (30, 10] -> A, B; (10, 20] -> B, C; (20, 30] -> C, A.
        Ring ring = Ring.of(Map.of(A, List.of(10L), B, List.of(20L), C, List.of(30L)), Map.of());
        assertThat(ring.replicaRanges(A, 2)).containsExactly(TokenRange.of(30, 10), TokenRange.of(20, 30));
        assertThat(ring.replicaRanges(A, 1)).isEqualTo(ring.primaryRanges(A));
    }

    @Test
    void equalRingsAreEqualWhateverTheInsertionOrder() {
        Map<NodeId, List<Long>> forward = new TreeMap<>(Map.of(A, List.of(1L, 2L), B, List.of(3L)));
        Map<NodeId, List<Long>> backward = new HashMap<>();
        backward.put(B, List.of(3L));
        backward.put(A, List.of(2L, 1L));
        assertThat(Ring.of(forward, Map.of())).isEqualTo(Ring.of(backward, Map.of()))
                .hasSameHashCodeAs(Ring.of(backward, Map.of()))
                .isNotEqualTo(Ring.of(Map.of(A, List.of(1L), B, List.of(2L, 3L)), Map.of()))
                .hasToString("Ring[2 nodes, 3 vnodes]");
        assertThat(Ring.of(forward, Map.of()).tokenMap()).isEqualTo(Map.of(A, List.of(1L, 2L), B, List.of(3L)));
    }
}
