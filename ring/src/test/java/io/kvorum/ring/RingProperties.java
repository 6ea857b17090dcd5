package io.kvorum.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The laws of placement: what every ring promises about preference lists, ownership and joins. */
class RingProperties {
    private static final int TOKENS_PER_NODE = 16;
    private static final int REPLICATION_FACTOR = 3;
    /** The bound {@link TokenAllocator} promises on max owned / mean owned, 3 to 32 nodes at 16 tokens. */
    private static final double BALANCE_BOUND = 1.10;
    /**
     * The bound {@link TokenAllocator} promises on max replica share / mean replica share, 3 to 32
     * nodes at 16 tokens, after joins into even clusters and into clusters grown by joins.
     */
    private static final double REPLICA_BALANCE_BOUND = 1.10;

    // ---------------------------------------------------------------- generators

    /**
     * Rings of 1 to 10 nodes with 1 to 12 arbitrary tokens each (jqwik's edge cases put tokens at
     * MIN + 1, MAX, 0 and side by side), with no racks or 1 to 4 racks.
     */
    @Provide
    Arbitrary<Ring> rings() {
        return Arbitraries.integers().between(1, 10).flatMap(nodes -> Combinators.combine(
                Arbitraries.longs().filter(t -> t != Token.MIN).set().ofMinSize(nodes).ofMaxSize(nodes * 12),
                Arbitraries.integers().between(0, nodes - 1).list().ofSize(nodes * 12),
                Arbitraries.integers().between(0, 4))
                .as((tokens, owners, racks) -> ring(nodes, tokens, owners, racks)));
    }

    private static Ring ring(int nodes, Set<Long> tokens, List<Integer> owners, int racks) {
        Map<NodeId, List<Long>> byNode = new LinkedHashMap<>();
        Map<NodeId, String> rackOf = new LinkedHashMap<>();
        int i = 0;
        for (long t : tokens) {
            // The first `nodes` tokens give every node one; the rest go where the generator says.
            int owner = i < nodes ? i : owners.get(i - nodes);
            byNode.computeIfAbsent(node(owner), k -> new ArrayList<>()).add(t);
            i++;
        }
        if (racks > 0) {
            for (int n = 0; n < nodes; n++) {
                rackOf.put(node(n), "rack-" + (n % racks));
            }
        }
        return Ring.of(byNode, rackOf);
    }

    /** Node ids whose order differs from their index, so node order and token order are unrelated. */
    private static NodeId node(int index) {
        return new NodeId((index + 1) * 0x9E3779B97F4A7C15L);
    }

    /** A cluster grown from one node to {@code size}, each joining with {@link TokenAllocator#allocate}. */
    private static Ring grown(int size, long seed) {
        RandomSource random = RandomSource.seeded(seed);
        Ring ring = Ring.empty();
        for (int n = 0; n < size; n++) {
            ring = joined(ring, REPLICATION_FACTOR, random);
        }
        return ring;
    }

    /** {@code ring} joined by a node with a random id and the tokens {@link TokenAllocator#allocate} gives it. */
    private static Ring joined(Ring ring, int replicationFactor, RandomSource random) {
        List<Long> tokens = TokenAllocator.allocate(ring, TOKENS_PER_NODE, replicationFactor, random);
        return ring.withNode(NodeId.random(random), tokens, Ring.NO_RACK);
    }

    private static Ring even(int count) {
        Map<NodeId, List<Long>> tokens = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            tokens.put(node(i), TokenAllocator.evenTokens(i, count, TOKENS_PER_NODE));
        }
        return Ring.of(tokens, Map.of());
    }

    /** An even cluster whose node ids come from {@code random}, so that id order and token order vary. */
    private static Ring even(int count, RandomSource random) {
        Map<NodeId, List<Long>> tokens = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            tokens.put(NodeId.random(random), TokenAllocator.evenTokens(i, count, TOKENS_PER_NODE));
        }
        return Ring.of(tokens, Map.of());
    }

    private static double maxOverMean(Ring ring) {
        double max = Collections.max(ring.ownership().values());
        return max * ring.size();
    }

    /** Max over mean of the replica shares at replication factor n. */
    private static double replicaMaxOverMean(Ring ring, int n) {
        return Collections.max(ring.replicaShares(n).values()) * ring.size();
    }

    /** Tokens worth probing: every vnode token, its neighbours, the ends of the ring, and some random ones. */
    private static List<Long> probes(Ring ring, long seed) {
        List<Long> probes = new ArrayList<>(List.of(Token.MIN + 1, Token.MAX, 0L, Token.MIN));
        for (NodeId node : ring.nodes()) {
            for (long t : ring.tokensOf(node)) {
                probes.add(t);
                probes.add(t - 1);
                probes.add(t + 1);
            }
        }
        RandomSource random = RandomSource.seeded(seed);
        for (int i = 0; i < 50; i++) {
            probes.add(random.nextLong());
        }
        return probes;
    }

    /**
     * The preference list as the brief defines it, computed the slow, obvious way: walk the vnodes
     * clockwise from the first token >= t, keep distinct nodes; with two or more racks, the first
     * node of each rack in walk order, then the skipped nodes in walk order.
     */
    private static List<NodeId> referencePreferenceList(Ring ring, long token, int n) {
        TreeMap<Long, NodeId> owners = new TreeMap<>();
        ring.tokenMap().forEach((node, tokens) -> tokens.forEach(t -> owners.put(t, node)));
        Set<NodeId> walk = new LinkedHashSet<>(owners.tailMap(token, true).values());
        walk.addAll(owners.headMap(token, false).values());
        Set<String> racks = new HashSet<>();
        for (NodeId node : walk) {
            racks.add(ring.rackOf(node));
        }
        List<NodeId> order = new ArrayList<>();
        if (racks.size() >= 2) {
            Set<String> used = new HashSet<>();
            List<NodeId> skipped = new ArrayList<>();
            for (NodeId node : walk) {
                (used.add(ring.rackOf(node)) ? order : skipped).add(node);
            }
            order.addAll(skipped);
        } else {
            order.addAll(walk);
        }
        return order.subList(0, Math.min(n, order.size()));
    }

    // ---------------------------------------------------------------- preference lists

    @Property
    void aPreferenceListHoldsMinOfNAndNodeCountDistinctNodes(@ForAll("rings") Ring ring, @ForAll long token,
            @ForAll @IntRange(min = 1, max = 12) int n) {
        List<NodeId> list = ring.preferenceList(token, n);
        assertThat(list).hasSize(Math.min(n, ring.size())).doesNotHaveDuplicates();
        assertThat(ring.nodes()).containsAll(list);
    }

    /** Checks the precomputed walks and the bucket lookup against the definition, at every vnode edge. */
    @Property(tries = 200)
    void aPreferenceListIsTheClockwiseWalkOfTheDefinition(@ForAll("rings") Ring ring,
            @ForAll @IntRange(min = 1, max = 12) int n, @ForAll long seed) {
        for (long t : probes(ring, seed)) {
            assertThat(ring.preferenceList(t, n)).as("token %d, n %d", t, n).isEqualTo(referencePreferenceList(ring, t, n));
        }
    }

    @Property(tries = 200)
    void aPreferenceListDependsOnlyOnKeyAndRingContents(@ForAll("rings") Ring ring, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 12) int n) {
        // The same nodes, tokens and racks handed over in another order.
        List<Map.Entry<NodeId, Collection<Long>>> entries = new ArrayList<>(ring.tokenMap().entrySet());
        Collections.shuffle(entries, new Random(seed));
        Map<NodeId, Collection<Long>> shuffled = new LinkedHashMap<>();
        Map<NodeId, String> racks = new LinkedHashMap<>();
        for (Map.Entry<NodeId, Collection<Long>> e : entries) {
            List<Long> tokens = new ArrayList<>(e.getValue());
            Collections.reverse(tokens);
            shuffled.put(e.getKey(), tokens);
            if (ring.hasRacks()) {
                racks.put(e.getKey(), ring.rackOf(e.getKey()));
            }
        }
        Ring same = Ring.of(shuffled, racks);

        assertThat(same).isEqualTo(ring).hasSameHashCodeAs(ring);
        RandomSource random = RandomSource.seeded(seed);
        for (int i = 0; i < 100; i++) {
            Key key = Key.of("key-" + random.nextLong());
            assertThat(same.preferenceList(key, n)).isEqualTo(ring.preferenceList(key, n))
                    .isEqualTo(ring.preferenceList(key.token(), n));
        }
    }

    @Property(tries = 200)
    void withAtLeastNRacksEveryReplicaIsInADifferentRack(@ForAll @IntRange(min = 2, max = 5) int racks,
            @ForAll @IntRange(min = 0, max = 10) int extraNodes, @ForAll long seed) {
        RandomSource random = RandomSource.seeded(seed);
        Map<NodeId, List<Long>> tokens = new TreeMap<>();
        Map<NodeId, String> rackOf = new TreeMap<>();
        Set<Long> used = new HashSet<>();
        for (int i = 0; i < racks + extraNodes; i++) {
            NodeId node = node(i);
            // Every rack gets a node; the extra nodes land in random racks, so racks are uneven.
            rackOf.put(node, "rack-" + (i < racks ? i : random.nextInt(racks)));
            List<Long> t = new ArrayList<>();
            for (int j = 0; j < 1 + random.nextInt(8); j++) {
                long token = random.nextLong();
                if (token != Token.MIN && used.add(token)) {
                    t.add(token);
                }
            }
            tokens.put(node, t);
        }
        Ring ring = Ring.of(tokens, rackOf);

        for (long t : probes(ring, seed)) {
            for (int n = 1; n <= racks + extraNodes; n++) {
                List<NodeId> list = ring.preferenceList(t, n);
                Set<String> listRacks = new HashSet<>();
                list.forEach(node -> listRacks.add(ring.rackOf(node)));
                // Distinct racks while there are racks to spare, and every rack once n reaches them all.
                assertThat(listRacks).hasSize(Math.min(n, racks));
            }
        }
    }

    // ---------------------------------------------------------------- joins

    /**
     * A join moves only what the newcomer takes: each key's primary owner stays or becomes the new
     * node, each key's three replicas change at most by the newcomer entering and one old node
     * leaving, and the share of keys that move is the newcomer's fair share {@code 1/(N+1)}.
     * Tolerance: the allocator may miss the share by up to 5% of it, plus five standard
     * deviations of sampling 4000 keys (about 0.011 at N = 1, 0.003 at N = 20).
     */
    @Property(tries = 40)
    void aJoinMovesOnlyTheRangesTheNewNodeTakes(@ForAll @IntRange(min = 1, max = 20) int size, @ForAll long seed) {
        Ring before = grown(size, seed);
        RandomSource random = RandomSource.seeded(~seed);
        NodeId newcomer = NodeId.random(random);
        List<Long> tokens = TokenAllocator.allocate(before, TOKENS_PER_NODE, REPLICATION_FACTOR, random);
        Ring after = before.withNode(newcomer, tokens, Ring.NO_RACK);

        int keys = 4000;
        int moved = 0;
        for (int i = 0; i < keys; i++) {
            Key key = Key.of("user:" + i);
            NodeId was = before.preferenceList(key, 1).get(0);
            NodeId is = after.preferenceList(key, 1).get(0);
            assertThat(is).as("primary of %s", key).isIn(was, newcomer);
            if (!is.equals(was)) {
                moved++;
            }
            Set<NodeId> entered = new HashSet<>(after.preferenceList(key, 3));
            before.preferenceList(key, 3).forEach(entered::remove);
            Set<NodeId> left = new HashSet<>(before.preferenceList(key, 3));
            after.preferenceList(key, 3).forEach(left::remove);
            assertThat(entered).as("replicas entering for %s", key).isSubsetOf(newcomer);
            assertThat(left).as("replicas leaving for %s", key).hasSizeLessThanOrEqualTo(entered.size());
        }
        double share = 1.0 / (size + 1);
        double sigma = Math.sqrt(share * (1 - share) / keys);
        assertThat((double) moved / keys).isCloseTo(share, within(0.05 * share + 5 * sigma));
    }

    @Property(tries = 8)
    void aClusterGrownOneNodeAtATimeStaysBalanced(@ForAll long seed) {
        RandomSource random = RandomSource.seeded(seed);
        Ring ring = Ring.empty();
        for (int size = 1; size <= 32; size++) {
            ring = joined(ring, REPLICATION_FACTOR, random);
            if (size >= 3) {
                assertThat(maxOverMean(ring)).as("max/mean owned at %d nodes", size).isLessThanOrEqualTo(BALANCE_BOUND);
                assertThat(replicaMaxOverMean(ring, REPLICATION_FACTOR)).as("max/mean replicated at %d nodes", size)
                        .isLessThanOrEqualTo(REPLICA_BALANCE_BOUND);
            }
        }
    }

    /** From every even starting size, 1 to 32 nodes, grown one node at a time to 32. */
    @Property(tries = 4)
    void anEvenClusterStaysBalancedAsItGrows(@ForAll long seed) {
        for (int start = 1; start <= 32; start++) {
            Ring ring = even(start);
            assertThat(maxOverMean(ring)).as("even cluster of %d", start).isCloseTo(1.0, within(1e-9));
            RandomSource random = RandomSource.seeded(seed + start);
            for (int size = start + 1; size <= 32; size++) {
                ring = joined(ring, REPLICATION_FACTOR, random);
                if (size >= 3) {
                    assertThat(maxOverMean(ring)).as("max/mean owned at %d nodes, from %d even", size, start)
                            .isLessThanOrEqualTo(BALANCE_BOUND);
                    assertThat(replicaMaxOverMean(ring, REPLICATION_FACTOR))
                            .as("max/mean replicated at %d nodes, from %d even", size, start)
                            .isLessThanOrEqualTo(REPLICA_BALANCE_BOUND);
                }
            }
        }
    }

    /**
     * On any ring, racks or none, known rack or not: tokens that are new, distinct, ascending and
     * never the origin; a newcomer that owns something; and no node that owns more after the join
     * than the most loaded node did before it.
     */
    @Property(tries = 200)
    void allocatedTokensAreNewDistinctAndNeverTheOrigin(@ForAll("rings") Ring ring,
            @ForAll @IntRange(min = 1, max = 64) int numTokens,
            @ForAll @IntRange(min = 1, max = 5) int replicationFactor, @ForAll boolean knownRack, @ForAll long seed) {
        String rack = ring.hasRacks() ? "rack-0" : Ring.NO_RACK;
        List<Long> tokens = knownRack
                ? TokenAllocator.allocate(ring, numTokens, replicationFactor, rack, RandomSource.seeded(seed))
                : TokenAllocator.allocate(ring, numTokens, replicationFactor, RandomSource.seeded(seed));

        assertThat(tokens).hasSize(numTokens).doesNotHaveDuplicates().doesNotContain(Token.MIN).isSorted();
        for (NodeId node : ring.nodes()) {
            assertThat(tokens).doesNotContainAnyElementsOf(ring.tokensOf(node));
        }
        Ring after = ring.withNode(new NodeId(0), tokens, rack);
        assertThat(after.ownership().get(new NodeId(0))).isGreaterThan(0.0);
        assertThat(Collections.max(after.ownership().values())).as("max owned")
                .isLessThanOrEqualTo(Collections.max(ring.ownership().values()) + 1e-9);
    }

    /**
     * A join only pushes nodes out of preference lists: no old node holds more at any list length,
     * whatever the tokens of the newcomer. (So the most loaded node of an uneven ring gets no worse.)
     */
    @Property(tries = 200)
    void aJoinNeverAddsToAnOldNodesLoad(@ForAll("rings") Ring ring, @ForAll @IntRange(min = 1, max = 5) int n,
            @ForAll long seed) {
        String rack = ring.hasRacks() ? "rack-0" : Ring.NO_RACK;
        List<Long> tokens = TokenAllocator.allocate(ring, 8, n, rack, RandomSource.seeded(seed));
        Ring after = ring.withNode(new NodeId(0), tokens, rack);
        Map<NodeId, Double> before = ring.replicaShares(n);
        Map<NodeId, Double> now = after.replicaShares(n);
        for (NodeId node : ring.nodes()) {
            // Shares are held tokens over min(n, size): compare what is held.
            assertThat(now.get(node) * Math.min(n, after.size())).as("held by %s", node)
                    .isLessThanOrEqualTo(before.get(node) * Math.min(n, ring.size()) + 1e-9);
        }
    }

    /**
     * One node joining an even cluster of 3 to 32 nodes at replication factor 1 to 5 (fewer than
     * the nodes) leaves every node replicating and owning close to its share.
     */
    @Property(tries = 150)
    void aJoinIntoAnEvenClusterBalancesReplicas(@ForAll @IntRange(min = 3, max = 32) int size,
            @ForAll @IntRange(min = 1, max = 5) int replicationFactor, @ForAll long seed) {
        Assume.that(replicationFactor < size);
        RandomSource random = RandomSource.seeded(seed);
        Ring after = joined(even(size, random), replicationFactor, random);
        assertThat(replicaMaxOverMean(after, replicationFactor)).as("max/mean replicated")
                .isLessThanOrEqualTo(REPLICA_BALANCE_BOUND);
        assertThat(maxOverMean(after)).as("max/mean owned").isLessThanOrEqualTo(BALANCE_BOUND);
    }

    /** Three even seed nodes and twelve joins, one at a time: balanced after every join. */
    @Property(tries = 12)
    void aClusterGrownByJoinsFromThreeSeedsStaysBalanced(@ForAll @IntRange(min = 1, max = 5) int replicationFactor,
            @ForAll long seed) {
        RandomSource random = RandomSource.seeded(seed);
        Ring ring = even(3, random);
        for (int size = 4; size <= 15; size++) {
            ring = joined(ring, replicationFactor, random);
            assertThat(replicaMaxOverMean(ring, replicationFactor)).as("max/mean replicated at %d nodes", size)
                    .isLessThanOrEqualTo(REPLICA_BALANCE_BOUND);
            assertThat(maxOverMean(ring)).as("max/mean owned at %d nodes", size).isLessThanOrEqualTo(BALANCE_BOUND);
        }
    }

    /**
     * A node leaves an even cluster (its ranges pass to the next nodes clockwise, which then carry
     * more), and a new one joins: the newcomer takes the load back and the cluster is balanced.
     */
    @Property(tries = 60)
    void aJoinAfterALeaveRestoresBalance(@ForAll @IntRange(min = 5, max = 32) int size, @ForAll long seed) {
        RandomSource random = RandomSource.seeded(seed);
        Ring ring = even(size, random);
        Ring left = ring.withoutNode(new ArrayList<>(ring.nodes()).get(random.nextInt(size)));
        Ring after = joined(left, REPLICATION_FACTOR, random);
        assertThat(replicaMaxOverMean(after, REPLICATION_FACTOR)).as("max/mean replicated")
                .isLessThanOrEqualTo(REPLICA_BALANCE_BOUND);
        assertThat(maxOverMean(after)).as("max/mean owned").isLessThanOrEqualTo(BALANCE_BOUND);
    }

    /**
     * A node that retries its join before the ring changes picks the same tokens: the plan depends
     * on the ring's contents only, not on the random source or on the order the ring was built in.
     */
    @Property(tries = 50)
    void aJoinPlanIsAFunctionOfTheRing(@ForAll("rings") Ring ring,
            @ForAll @IntRange(min = 1, max = 5) int replicationFactor, @ForAll long seed) {
        Map<NodeId, Collection<Long>> tokens = new LinkedHashMap<>();
        List<NodeId> order = new ArrayList<>(ring.nodes());
        Collections.shuffle(order, new Random(seed));
        order.forEach(node -> tokens.put(node, ring.tokensOf(node)));
        Ring same = Ring.of(tokens, ring.rackMap());
        List<Long> retried = TokenAllocator.allocate(same, TOKENS_PER_NODE, replicationFactor, RandomSource.seeded(seed));
        assertThat(retried).isEqualTo(TokenAllocator.allocate(ring, TOKENS_PER_NODE, replicationFactor,
                RandomSource.seeded(~seed)));
    }

    // ---------------------------------------------------------------- ring algebra and ownership

    @Property(tries = 300)
    void removingANodeAndAddingItBackGivesTheSameRing(@ForAll("rings") Ring ring, @ForAll @IntRange(min = 0, max = 9) int pick) {
        NodeId node = new ArrayList<>(ring.nodes()).get(pick % ring.size());
        Ring back = ring.withoutNode(node).withNode(node, ring.tokensOf(node), ring.rackOf(node));
        assertThat(back).isEqualTo(ring).hasSameHashCodeAs(ring);
        assertThat(back.toString()).isEqualTo(ring.toString());
    }

    @Property
    void ownershipSumsToOne(@ForAll("rings") Ring ring) {
        double sum = 0;
        for (double share : ring.ownership().values()) {
            assertThat(share).isBetween(0.0, 1.0);
            sum += share;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
        assertThat(ring.ownership().keySet()).isEqualTo(ring.nodes());
    }

    /** Primary ranges partition the ring, and each token's range belongs to its primary owner. */
    @Property(tries = 300)
    void primaryRangesPartitionTheRing(@ForAll("rings") Ring ring, @ForAll long seed) {
        for (long t : probes(ring, seed)) {
            List<NodeId> holders = new ArrayList<>();
            for (NodeId node : ring.nodes()) {
                for (TokenRange range : ring.primaryRanges(node)) {
                    if (range.contains(t)) {
                        holders.add(node);
                    }
                }
            }
            assertThat(holders).as("token %d", t).containsExactly(ring.preferenceList(t, 1).get(0));
        }
    }

    /**
     * A node's replica share is the size of its replica ranges over min(n, nodes), so the shares
     * sum to 1; at n = 1 it is its ownership.
     */
    @Property(tries = 300)
    void replicaSharesAreTheReplicaRangesOverN(@ForAll("rings") Ring ring, @ForAll @IntRange(min = 1, max = 10) int n) {
        Map<NodeId, Double> shares = ring.replicaShares(n);
        assertThat(shares.keySet()).isEqualTo(ring.nodes());
        double sum = 0;
        for (NodeId node : ring.nodes()) {
            double held = 0;
            for (TokenRange range : ring.replicaRanges(node, n)) {
                held += range.isFull() ? 1.0 : Ring.unsignedToDouble(range.end() - range.start()) / 0x1p64;
            }
            assertThat(shares.get(node)).as("share of %s", node).isCloseTo(held / Math.min(n, ring.size()), within(1e-12));
            if (n == 1) {
                assertThat(shares.get(node)).isCloseTo(ring.ownership().get(node), within(1e-12));
            }
            sum += shares.get(node);
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
    }

    /**
     * Every token is in exactly n nodes' replica ranges for n up to the node count, and those
     * nodes are its preference list: streaming and repair by range agree with routing by key.
     */
    @Property(tries = 300)
    void replicaRangesCoverEveryTokenExactlyNTimes(@ForAll("rings") Ring ring, @ForAll @IntRange(min = 1, max = 10) int n,
            @ForAll long seed) {
        int replicas = Math.min(n, ring.size());
        Map<NodeId, List<TokenRange>> ranges = new TreeMap<>();
        for (NodeId node : ring.nodes()) {
            ranges.put(node, ring.replicaRanges(node, replicas));
        }
        for (long t : probes(ring, seed)) {
            Set<NodeId> holders = new HashSet<>();
            ranges.forEach((node, rs) -> rs.stream().filter(r -> r.contains(t)).forEach(r -> {
                assertThat(holders.add(node)).as("%s holds token %d twice", node, t).isTrue();
            }));
            assertThat(holders).as("token %d", t).hasSize(replicas)
                    .containsExactlyInAnyOrderElementsOf(ring.preferenceList(t, replicas));
        }
    }
}
