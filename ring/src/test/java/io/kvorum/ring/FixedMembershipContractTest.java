package io.kvorum.ring;

import io.kvorum.core.NodeId;
import io.kvorum.ring.contract.MembershipContract;
import io.kvorum.ring.contract.MembershipHarness;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** The membership contract on the fixed membership of tests: three members, a fourth joins by hand. */
class FixedMembershipContractTest extends MembershipContract {
    private static final int NODES = 3;
    private static final int TOKENS = 8;

    @Override
    protected MembershipHarness harness() {
        Map<NodeId, List<Long>> tokens = new LinkedHashMap<>();
        Map<NodeId, InetSocketAddress> addresses = new LinkedHashMap<>();
        for (int i = 0; i < NODES; i++) {
            NodeId id = new NodeId(i + 1);
            tokens.put(id, TokenAllocator.evenTokens(i, NODES + 1, TOKENS));
            addresses.put(id, InetSocketAddress.createUnresolved("node" + (i + 1), 7100));
        }
        FixedMembership membership = new FixedMembership(Ring.of(tokens, Map.of()), addresses);
        return new MembershipHarness() {
            @Override
            public Membership membership() {
                return membership;
            }

            @Override
            public NodeId self() {
                return new NodeId(1);
            }

            @Override
            public Set<NodeId> members() {
                return tokens.keySet();
            }

            @Override
            public void runFor(long ms) {
                // Nothing changes by itself.
            }

            @Override
            public NodeId joinNewMember() {
                NodeId joiner = new NodeId(NODES + 1);
                membership.setAddress(joiner, InetSocketAddress.createUnresolved("node" + (NODES + 1), 7100));
                membership.setRing(membership.ring().withNode(joiner, TokenAllocator.evenTokens(NODES, NODES + 1,
                        TOKENS), Ring.NO_RACK));
                return joiner;
            }

            @Override
            public void runUntil(String what, BooleanSupplier condition) {
                if (!condition.getAsBoolean()) {
                    throw new AssertionError("a fixed membership changes only by hand, and " + what + " does not hold");
                }
            }

            @Override
            public void close() {
            }
        };
    }
}
