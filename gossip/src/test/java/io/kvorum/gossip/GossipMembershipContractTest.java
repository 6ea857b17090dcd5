package io.kvorum.gossip;

import io.kvorum.core.NodeId;
import io.kvorum.ring.Membership;
import io.kvorum.ring.contract.MembershipContract;
import io.kvorum.ring.contract.MembershipHarness;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The membership contract on gossip: four of five simulated nodes start and converge, the view
 * under test is the first one's, and the fifth joins when the contract asks for a ring change.
 */
class GossipMembershipContractTest extends MembershipContract {
    private static final int NODES = 5;
    private static final long LIMIT_MS = 20_000;

    @Override
    protected MembershipHarness harness() {
        GossipSimulation sim = new GossipSimulation(0x5eed, NODES, 2);
        for (int i = 0; i < NODES - 1; i++) {
            sim.start(i);
        }
        sim.loop.runUntil(sim::converged, LIMIT_MS);
        GossipMembership view = sim.running.get(sim.specs.get(0).id());
        Set<NodeId> members = Set.copyOf(sim.running.keySet());
        return new MembershipHarness() {
            @Override
            public Membership membership() {
                return view;
            }

            @Override
            public NodeId self() {
                return view.self();
            }

            @Override
            public Set<NodeId> members() {
                return members;
            }

            @Override
            public void runFor(long ms) {
                sim.loop.runFor(ms);
            }

            @Override
            public NodeId joinNewMember() {
                return sim.start(NODES - 1).self();
            }

            @Override
            public void runUntil(String what, BooleanSupplier condition) {
                try {
                    sim.loop.runUntil(condition, LIMIT_MS);
                } catch (IllegalStateException e) {
                    throw new AssertionError(sim + ": waiting until " + what + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                for (GossipMembership m : sim.running.values()) {
                    m.stop();
                }
            }
        };
    }
}
