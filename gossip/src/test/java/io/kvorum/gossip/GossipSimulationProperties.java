package io.kvorum.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Gossip in the seeded simulation, with default settings: convergence from any start order,
 * detection of a killed node, and no false downs on a lossy, jittery network. Each failure names
 * its seed; {@code new GossipSimulation(seed, ...)} replays it.
 */
class GossipSimulationProperties {
    /** Rounds from the last start to agreement: O(log n) exchanges plus a few heartbeats. */
    static final long CONVERGENCE_BOUND_MS = 10_000;
    /** The target for marking a killed node down, at the default threshold. */
    static final long DETECTION_BOUND_MS = 3_000;

    @Property(tries = 25)
    void nodesConvergeOnTheSameMembershipAndRingFromAnyStartOrder(@ForAll long seed,
                                                                  @ForAll @IntRange(min = 5, max = 9) int nodes,
                                                                  @ForAll @IntRange(min = 1, max = 2) int seeds,
                                                                  @ForAll @LongRange(min = 0, max = 5000) long spreadMs) {
        GossipSimulation sim = new GossipSimulation(seed, nodes, seeds);
        sim.startAllSpread(spreadMs);
        sim.loop.runUntil(sim::converged, CONVERGENCE_BOUND_MS);
        for (GossipMembership m : sim.running.values()) {
            assertThat(m.ring().size()).as("%s: ring of %s", sim, m.self()).isEqualTo(nodes);
            assertThat(m.pendingRing()).as("%s: nothing pending", sim).isEqualTo(m.ring());
        }
        assertThat(sim.upDowns).as("%s: no node was ever seen going down", sim).noneMatch(u -> !u.up());
    }

    @Property(tries = 25)
    void aKilledNodeIsMarkedDownByEveryOtherNodeWithinThreeSeconds(@ForAll long seed,
                                                                   @ForAll @IntRange(min = 5, max = 9) int nodes,
                                                                   @ForAll @IntRange(min = 0, max = 8) int victimIndex,
                                                                   @ForAll @LongRange(min = 0, max = 999) long offsetMs) {
        GossipSimulation sim = new GossipSimulation(seed, nodes, 2);
        sim.startAllSpread(0);
        sim.loop.runUntil(sim::converged, CONVERGENCE_BOUND_MS);
        sim.loop.runFor(2_000 + offsetMs);
        NodeId victim = sim.specs.get(victimIndex % nodes).id();
        sim.kill(victim);
        long killedAt = sim.nowMillis();
        sim.loop.runUntil(() -> sim.allSeeDown(victim), DETECTION_BOUND_MS);
        long detection = sim.nowMillis() - killedAt;
        assertThat(detection).as("%s: detection took %d ms", sim, detection).isLessThanOrEqualTo(DETECTION_BOUND_MS);
        // Nobody else was taken down with it.
        for (NodeId observer : sim.running.keySet()) {
            for (NodeId other : sim.running.keySet()) {
                assertThat(sim.downsOf(observer, other)).as("%s: %s saw %s down", sim, observer, other).isZero();
            }
        }
    }

    @Property(tries = 10)
    void jitterAndLossCauseNoFalseDowns(@ForAll long seed, @ForAll @IntRange(min = 5, max = 9) int nodes) {
        GossipSimulation sim = new GossipSimulation(seed, nodes, 2);
        sim.network.latency(1_000, 50_000).loss(0.02);
        sim.startAllSpread(2000);
        sim.loop.runUntil(sim::converged, CONVERGENCE_BOUND_MS);
        int before = sim.upDowns.size();
        sim.loop.runFor(5 * 60_000);
        List<GossipSimulation.UpDown> after = new ArrayList<>(sim.upDowns.subList(before, sim.upDowns.size()));
        assertThat(after).as("%s: up/down changes in five minutes of 2%% loss and 1-50 ms latency", sim).isEmpty();
        assertThat(sim.converged()).isTrue();
    }
}
