package io.kvorum.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The laws of {@link WritePlan}: where a write goes, how many acknowledgements it needs, and that
 * those acknowledgements put it on the key's final replicas while a join or leave moves ranges.
 * Rings come from {@link TokenAllocator} as a real join makes them; the up set is random.
 */
class WritePlanProperties {
    private static final int KEYS_PER_TRY = 20;

    /** A ring before a change, the ring after it, and who is up. */
    private record Scenario(Ring ring, Ring pendingRing, NodeId self, Set<NodeId> up, RandomSource random) {
        Predicate<NodeId> isUp() {
            return up::contains;
        }

        Key nextKey() {
            return Key.of("key-" + random.nextLong());
        }
    }

    private static Ring ring(RandomSource random, int nodes, int numTokens, int rf) {
        Ring ring = Ring.empty();
        for (int i = 0; i < nodes; i++) {
            ring = ring.withNode(NodeId.random(random), TokenAllocator.allocate(ring, numTokens, rf, random),
                    Ring.NO_RACK);
        }
        return ring;
    }

    /**
     * A random join (or, when {@code leave}, a random leave) of a ring of {@code nodes}, a self
     * that is a member of the current ring, and a random set of other nodes believed up.
     */
    private static Scenario change(long seed, int nodes, int numTokens, int n, boolean leave) {
        RandomSource random = RandomSource.seeded(seed);
        Ring from = ring(random, nodes, numTokens, n);
        List<NodeId> members = new ArrayList<>(from.nodes());
        Ring to = leave
                ? from.withoutNode(members.get(random.nextInt(members.size())))
                : from.withNode(NodeId.random(random), TokenAllocator.allocate(from, numTokens, n, random),
                        Ring.NO_RACK);
        Set<NodeId> everyone = new LinkedHashSet<>(from.nodes());
        everyone.addAll(to.nodes());
        Set<NodeId> up = new HashSet<>();
        for (NodeId node : everyone) {
            if (random.nextInt(3) != 0) {
                up.add(node);
            }
        }
        return new Scenario(from, to, members.get(random.nextInt(members.size())), up, random);
    }

    private static Consistency consistency(int choice, int n) {
        return switch (choice) {
            case 0 -> Consistency.ONE;
            case 1 -> Consistency.QUORUM;
            case 2 -> Consistency.ALL;
            default -> Consistency.of(1 + (choice - 3) % n);
        };
    }

    @Property(tries = 300)
    void targetsAreHomeReplicasThenPendingOnesDistinctInPreferenceOrder(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodes,
            @ForAll @IntRange(min = 1, max = 16) int numTokens, @ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll @IntRange(min = 0, max = 6) int wChoice, @ForAll boolean leave) {
        Scenario s = change(seed, nodes + (leave ? 1 : 0), numTokens, n, leave);
        Consistency w = consistency(wChoice, n);
        for (int i = 0; i < KEYS_PER_TRY; i++) {
            Key key = s.nextKey();
            WritePlan plan = WritePlan.of(s.ring(), s.pendingRing(), key, n, w, s.self(), s.isUp());
            List<NodeId> home = s.ring().preferenceList(key, n);
            assertThat(plan.homeReplicas()).isEqualTo(home);
            List<NodeId> expectedPending = new ArrayList<>(s.pendingRing().preferenceList(key, n));
            expectedPending.removeAll(home);
            assertThat(plan.pendingReplicas()).isEqualTo(expectedPending);
            assertThat(plan.targets()).doesNotHaveDuplicates()
                    .startsWith(home.toArray(NodeId[]::new))
                    .hasSize(home.size() + expectedPending.size());
            assertThat(plan.targets().subList(home.size(), plan.targets().size())).isEqualTo(expectedPending);
            List<NodeId> expectedUp = new ArrayList<>(plan.targets());
            expectedUp.removeIf(node -> !node.equals(s.self()) && !s.up().contains(node));
            assertThat(plan.upTargets()).isEqualTo(expectedUp);
        }
    }

    /**
     * The point of W + P: whichever {@code required} up targets acknowledge, at least W of them are
     * the key's replicas in the pending ring. Holds when the ring keeps at least n nodes after the
     * change (a cluster shrinking below n cannot hold W final copies at all).
     */
    @Property(tries = 300)
    void anyRequiredAcknowledgementsIncludeWFinalReplicas(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 7) int extraNodes,
            @ForAll @IntRange(min = 1, max = 16) int numTokens, @ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll @IntRange(min = 0, max = 6) int wChoice, @ForAll boolean leave) {
        Scenario s = change(seed, n + extraNodes, numTokens, n, leave);
        Consistency w = consistency(wChoice, n);
        int wRequired = w.required(n);
        for (int i = 0; i < KEYS_PER_TRY; i++) {
            Key key = s.nextKey();
            WritePlan plan = WritePlan.of(s.ring(), s.pendingRing(), key, n, w, s.self(), s.isUp());
            if (!plan.isSatisfiable()) {
                continue;
            }
            Set<NodeId> finalReplicas = new HashSet<>(s.pendingRing().preferenceList(key, n));
            List<NodeId> up = plan.upTargets();
            for (long subset = 0; subset < 1L << up.size(); subset++) {
                if (Long.bitCount(subset) != plan.required()) {
                    continue;
                }
                int onFinal = 0;
                for (int b = 0; b < up.size(); b++) {
                    if ((subset & 1L << b) != 0 && finalReplicas.contains(up.get(b))) {
                        onFinal++;
                    }
                }
                assertThat(onFinal).as("final replicas among acks %s of %s for %s", Long.toBinaryString(subset),
                        up, plan).isGreaterThanOrEqualTo(wRequired);
            }
        }
    }

    @Property(tries = 200)
    void withoutAChangeRequiredIsWAndTheTargetsAreTheHomeReplicas(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodes,
            @ForAll @IntRange(min = 1, max = 16) int numTokens, @ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll @IntRange(min = 0, max = 6) int wChoice) {
        Scenario s = change(seed, nodes, numTokens, n, false);
        Consistency w = consistency(wChoice, n);
        for (int i = 0; i < KEYS_PER_TRY; i++) {
            Key key = s.nextKey();
            WritePlan plan = WritePlan.of(s.ring(), s.ring(), key, n, w, s.self(), s.isUp());
            assertThat(plan.required()).isEqualTo(w.required(n));
            assertThat(plan.pendingReplicas()).isEmpty();
            assertThat(plan.targets()).isEqualTo(plan.homeReplicas());
        }
    }

    @Property(tries = 300)
    void unsatisfiableExactlyWhenFewerThanRequiredTargetsAreUp(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodes,
            @ForAll @IntRange(min = 1, max = 16) int numTokens, @ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll @IntRange(min = 0, max = 6) int wChoice, @ForAll boolean leave) {
        Scenario s = change(seed, nodes + (leave ? 1 : 0), numTokens, n, leave);
        Consistency w = consistency(wChoice, n);
        for (int i = 0; i < KEYS_PER_TRY; i++) {
            Key key = s.nextKey();
            WritePlan plan = WritePlan.of(s.ring(), s.pendingRing(), key, n, w, s.self(), s.isUp());
            long up = plan.targets().stream().filter(t -> t.equals(s.self()) || s.up().contains(t)).count();
            assertThat(plan.isSatisfiable()).as("%s", plan).isEqualTo(up >= plan.required());
            assertThat(plan.required()).isEqualTo(w.required(n) + plan.pendingReplicas().size());
            assertThat(plan.unavailable("write").alive()).isEqualTo((int) up);
            assertThat(plan.unavailable("write").required()).isEqualTo(plan.required());
        }
    }

    @Property(tries = 100)
    void theCoordinatorCountsItselfUpWhateverTheDetectorSays(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodes, @ForAll @IntRange(min = 1, max = 4) int n) {
        Scenario s = change(seed, nodes, 4, n, false);
        for (int i = 0; i < KEYS_PER_TRY; i++) {
            Key key = s.nextKey();
            WritePlan plan = WritePlan.of(s.ring(), s.pendingRing(), key, n, Consistency.ONE, s.self(), node -> false);
            assertThat(plan.upTargets()).isEqualTo(plan.targets().contains(s.self()) ? List.of(s.self()) : List.of());
            assertThat(plan.isHomeReplica(s.self())).isEqualTo(plan.homeReplicas().contains(s.self()));
        }
    }

    /**
     * Sloppy fallbacks: one per down home replica while healthy nodes remain, each the first node
     * of the ring's walk that is up and not yet used, distinct from every target; they add to the
     * nodes written, never to the acknowledgements required.
     */
    @Property(tries = 300)
    void fallbacksAreTheNextHealthyNodesOfTheWalkStandingInForDownHomeReplicas(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 9) int nodes,
            @ForAll @IntRange(min = 1, max = 16) int numTokens, @ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll @IntRange(min = 0, max = 6) int wChoice, @ForAll boolean leave) {
        Scenario s = change(seed, nodes + (leave ? 1 : 0), numTokens, n, leave);
        Consistency w = consistency(wChoice, n);
        for (int i = 0; i < KEYS_PER_TRY; i++) {
            Key key = s.nextKey();
            WritePlan strict = WritePlan.of(s.ring(), s.pendingRing(), key, n, w, s.self(), s.isUp());
            WritePlan sloppy = WritePlan.of(s.ring(), s.pendingRing(), key, n, w, s.self(), s.isUp(), true);

            assertThat(sloppy.targets()).isEqualTo(strict.targets());
            assertThat(sloppy.required()).isEqualTo(strict.required());
            assertThat(sloppy.upTargets()).doesNotHaveDuplicates();
            assertThat(sloppy.upTargets().subList(0, strict.upTargets().size())).isEqualTo(strict.upTargets());
            List<NodeId> fallbacks = new ArrayList<>(sloppy.fallbacks().keySet());
            assertThat(sloppy.upTargets().subList(strict.upTargets().size(), sloppy.upTargets().size()))
                    .isEqualTo(fallbacks);

            // The model: walk the ring, give each down home replica the next unused healthy node.
            List<NodeId> downHome = new ArrayList<>(strict.homeReplicas());
            downHome.removeIf(node -> node.equals(s.self()) || s.up().contains(node));
            List<NodeId> walk = s.ring().preferenceList(key, s.ring().size());
            java.util.Map<NodeId, NodeId> expected = new java.util.LinkedHashMap<>();
            int next = 0;
            for (NodeId replica : downHome) {
                while (next < walk.size()) {
                    NodeId candidate = walk.get(next++);
                    if (!strict.targets().contains(candidate) && (candidate.equals(s.self()) || s.up().contains(candidate))) {
                        expected.put(candidate, replica);
                        break;
                    }
                }
            }
            assertThat(sloppy.fallbacks()).containsExactlyEntriesOf(expected);
            assertThat(fallbacks).doesNotContainAnyElementsOf(strict.targets())
                    .allMatch(f -> f.equals(s.self()) || s.up().contains(f));
            assertThat(sloppy.fallbacks().values()).doesNotHaveDuplicates().allMatch(downHome::contains);
            long healthyOutside = s.ring().nodes().stream().filter(node -> !strict.targets().contains(node))
                    .filter(node -> node.equals(s.self()) || s.up().contains(node)).count();
            assertThat(sloppy.fallbacks()).hasSize((int) Math.min(downHome.size(), healthyOutside));
        }
    }

    @Property(tries = 200)
    void aStrictPlanNeverCountsAFallback(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 9) int nodes,
            @ForAll @IntRange(min = 1, max = 16) int numTokens, @ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll @IntRange(min = 0, max = 6) int wChoice) {
        Scenario s = change(seed, nodes, numTokens, n, false);
        for (int i = 0; i < KEYS_PER_TRY; i++) {
            WritePlan plan = WritePlan.of(s.ring(), s.pendingRing(), s.nextKey(), n, consistency(wChoice, n), s.self(),
                    s.isUp());
            assertThat(plan.fallbacks()).isEmpty();
            assertThat(plan.targets()).containsAll(plan.upTargets());
        }
    }

    @Example
    void theDescriptionNamesWNAndThePendingReplicas() {
        RandomSource random = RandomSource.seeded(7);
        NodeId a = NodeId.random(random);
        NodeId b = NodeId.random(random);
        NodeId c = NodeId.random(random);
        Ring two = Ring.of(Map.of(a, List.of(0L), b, List.of(Long.MIN_VALUE / 2)), Map.of());
        Ring three = two.withNode(c, List.of(Long.MAX_VALUE / 2), Ring.NO_RACK);
        Key key = Key.of("k");

        WritePlan steady = WritePlan.of(two, two, key, 2, Consistency.QUORUM, a, node -> true);
        assertThat(steady.describe("write")).isEqualTo("write at W=QUORUM (n=2)");
        assertThat(steady.unavailable("delete").getMessage())
                .isEqualTo("delete at W=QUORUM (n=2) needs 2 replicas up but only 2 are; nothing was sent");

        WritePlan joining = WritePlan.of(two, three, key, 3, Consistency.of(2), a, node -> !node.equals(c));
        assertThat(joining.pendingReplicas()).containsExactly(c);
        assertThat(joining.required()).isEqualTo(3);
        assertThat(joining.isSatisfiable()).isFalse();
        assertThat(joining.unavailable("write").getMessage()).isEqualTo("write at W=2 (n=3, plus 1 replica(s) gaining"
                + " the key in a ring change) needs 3 replicas up but only 2 are; nothing was sent");
    }
}
