package io.kvorum.gossip;

import io.kvorum.ring.MemberStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.NodeId;
import io.kvorum.sim.SimBus;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Members joining, leaving, being removed and purged, in the seeded simulation. */
class GossipLifecycleTest {
    private static final long RETENTION_MS = 60_000;

    private static GossipSimulation converged(long seed, int nodes) {
        GossipSimulation sim = new GossipSimulation(seed, nodes, 1);
        sim.options = sim.options.withRetiredRetentionMs(RETENTION_MS);
        sim.startAllSpread(0);
        sim.loop.runUntil(sim::converged, 10_000);
        return sim;
    }

    private static boolean allAgree(GossipSimulation sim, NodeId node, Optional<MemberStatus> status) {
        return sim.running.values().stream().allMatch(m -> m.status(node).equals(status));
    }

    @Test
    void aJoiningMemberIsInThePendingRingOnlyUntilItIsNormal() {
        GossipSimulation sim = converged(11, 4);
        GossipMembership first = sim.running.values().iterator().next();
        Ring before = first.ring();
        GossipSimulation.SimNodeSpec spec = sim.specs.get(0);
        GossipMembership m0 = sim.running.get(spec.id());
        List<Ring> rings = new ArrayList<>();
        first.addListener(new Membership.Listener() {
            @Override
            public void ringChanged(Ring ring) {
                rings.add(ring);
            }
        });

        m0.setStatus(MemberStatus.LEAVING, spec.tokens());
        sim.loop.runUntil(() -> allAgree(sim, spec.id(), Optional.of(MemberStatus.LEAVING)), 10_000);
        assertThat(first.ring()).as("a leaving member still owns its ranges").isEqualTo(before);
        assertThat(first.pendingRing().contains(spec.id())).as("but not in the pending ring").isFalse();
        assertThat(rings).as("listeners heard of the pending change").isNotEmpty();

        m0.setStatus(MemberStatus.NORMAL, spec.tokens());
        sim.loop.runUntil(() -> allAgree(sim, spec.id(), Optional.of(MemberStatus.NORMAL)), 10_000);
        assertThat(first.pendingRing()).isEqualTo(first.ring());
    }

    @Test
    void aMemberThatLeftIsPurgedEverywhereAfterItsExpiryAndDoesNotComeBackThroughAPeerThatWasCutOff() {
        GossipSimulation sim = converged(12, 5);
        NodeId leaver = sim.specs.get(1).id();
        NodeId cutOff = sim.specs.get(2).id();
        // The cut-off node hears nothing of the departure and keeps the leaver as a NORMAL member.
        for (GossipSimulation.SimNodeSpec s : sim.specs) {
            if (!s.id().equals(cutOff)) {
                sim.network.cut(cutOff, s.id());
            }
        }
        long expiry = sim.loop.nowMillis() + RETENTION_MS;
        sim.running.get(leaver).setRetired(MemberStatus.LEFT, expiry);
        sim.loop.runFor(3_000);
        sim.kill(leaver);
        GossipMembership stale = sim.running.get(cutOff);
        assertThat(stale.status(leaver)).contains(MemberStatus.NORMAL);
        for (GossipMembership m : sim.running.values()) {
            if (m != stale) {
                assertThat(m.status(leaver)).contains(MemberStatus.LEFT);
                assertThat(m.ring().contains(leaver)).isFalse();
            }
        }

        sim.loop.runFor(RETENTION_MS + 2_000);
        for (GossipMembership m : sim.running.values()) {
            if (m != stale) {
                assertThat(m.member(leaver)).as("purged after its expiry").isEmpty();
            }
        }

        sim.network.healAll();
        sim.network.kill(leaver);
        sim.loop.runUntil(() -> stale.member(leaver).isEmpty(), 10_000);
        sim.loop.runFor(10_000);
        for (GossipMembership m : sim.running.values()) {
            assertThat(m.member(leaver)).as("%s after the heal", m.self()).isEmpty();
            assertThat(m.ring().contains(leaver)).isFalse();
        }
        assertThat(sim.converged()).isTrue();
    }

    @Test
    void aDeadMemberIsRemovedOnItsBehalfAndItsOwnStaleStateCannotUndoIt() {
        GossipSimulation sim = converged(13, 5);
        NodeId dead = sim.specs.get(3).id();
        sim.kill(dead);
        sim.loop.runUntil(() -> sim.allSeeDown(dead), 3_000);
        GossipMembership coordinator = sim.running.get(sim.specs.get(0).id());

        coordinator.markRemoving(dead);
        sim.loop.runUntil(() -> allAgree(sim, dead, Optional.of(MemberStatus.REMOVING)), 10_000);
        for (GossipMembership m : sim.running.values()) {
            assertThat(m.ring().contains(dead)).as("still owns ranges for reads while removing").isTrue();
            assertThat(m.pendingRing().contains(dead)).isFalse();
        }
        coordinator.markRemoved(dead, sim.loop.nowMillis() + RETENTION_MS);
        sim.loop.runUntil(() -> allAgree(sim, dead, Optional.of(MemberStatus.REMOVED)), 10_000);
        for (GossipMembership m : sim.running.values()) {
            assertThat(m.ring().contains(dead)).isFalse();
        }

        // The dead node comes back with its old data directory: a new generation, still NORMAL.
        GossipMembership revenant = sim.start(3);
        sim.loop.runFor(10_000);
        assertThat(revenant.retiredByPeers()).as("peers tell the restarted node it was removed")
                .isCompletedWithValue(MemberStatus.REMOVED);
        for (GossipMembership m : sim.running.values()) {
            if (m != revenant) {
                assertThat(m.retiredByPeers()).isNotDone();
            }
        }
        for (GossipMembership m : sim.running.values()) {
            if (!m.self().equals(dead)) {
                assertThat(m.status(dead)).as("%s keeps the removal", m.self()).contains(MemberStatus.REMOVED);
                assertThat(m.ring().contains(dead)).isFalse();
            }
        }
    }

    @Test
    void gossipFromAnotherClusterIsIgnored() {
        GossipSimulation sim = converged(14, 3);
        NodeId stranger = NodeId.random(sim.random);
        InetSocketAddress address = new InetSocketAddress("10.0.9.1", 7100);
        SimBus bus = sim.network.attach(stranger, address);
        GossipOptions other = new GossipOptions("other-cluster", List.of(sim.seeds.get(0)), sim.options.intervalMs(),
                sim.options.detectorIntervalMs(), sim.options.retiredRetentionMs(), sim.options.identifyTimeoutMs(),
                sim.options.detector());
        GossipMembership m = new GossipMembership(stranger, sim.loop.nowMillis(),
                GossipMembership.localStates(address, address, "", MemberStatus.NORMAL, List.of(1L, 2L), 1), bus,
                sim.loop, sim.loop, sim.random.split(), other);
        m.registerHandlers();
        m.start();
        sim.loop.runFor(10_000);
        for (GossipMembership member : sim.running.values()) {
            assertThat(member.member(stranger)).isEmpty();
        }
        assertThat(m.members()).hasSize(1);
    }
}
