package io.kvorum.gossip;

import io.kvorum.ring.MemberStatus;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.sim.SimBus;
import io.kvorum.sim.SimLoop;
import io.kvorum.sim.SimNetwork;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Gossiping nodes over the simulated network, on one seeded loop: each node a real
 * {@link GossipMembership}, started when the test says, killed when it says. Every up/down
 * change any node sees is recorded with its simulated time, so tests can count false downs and
 * measure detection delays.
 */
final class GossipSimulation {
    static final String CLUSTER = "sim";
    static final int NUM_TOKENS = 8;

    final long seed;
    final SimLoop loop = new SimLoop();
    final SimNetwork network;
    final RandomSource random;
    final List<SimNodeSpec> specs = new ArrayList<>();
    final Map<NodeId, GossipMembership> running = new LinkedHashMap<>();
    final List<UpDown> upDowns = new ArrayList<>();
    final List<InetSocketAddress> seeds = new ArrayList<>();
    GossipOptions options;

    record SimNodeSpec(NodeId id, InetSocketAddress address, List<Long> tokens) {
    }

    /** One up/down change as one observer saw it. */
    record UpDown(long atMillis, NodeId observer, NodeId node, boolean up) {
    }

    GossipSimulation(long seed, int nodes, int seedCount) {
        this.seed = seed;
        this.random = RandomSource.seeded(seed);
        this.network = new SimNetwork(loop, random.split());
        for (int i = 0; i < nodes; i++) {
            NodeId id = NodeId.random(random);
            InetSocketAddress address = new InetSocketAddress("10.0.0." + (i + 1), 7100);
            specs.add(new SimNodeSpec(id, address, TokenAllocator.evenTokens(i, nodes, NUM_TOKENS)));
            if (i < seedCount) {
                seeds.add(address);
            }
        }
        options = GossipOptions.defaults(CLUSTER, seeds);
    }

    long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(loop.nanoTime());
    }

    /** Starts node {@code index} now as a NORMAL member with its tokens. */
    GossipMembership start(int index) {
        SimNodeSpec spec = specs.get(index);
        SimBus bus = network.attach(spec.id(), spec.address());
        network.revive(spec.id());
        GossipMembership m = new GossipMembership(spec.id(), loop.nowMillis(),
                GossipMembership.localStates(spec.address(), new InetSocketAddress(spec.address().getHostString(), 9100),
                        "", MemberStatus.NORMAL, spec.tokens(), 1),
                bus, loop, loop, random.split(), options);
        m.addListener(new Membership.Listener() {
            @Override
            public void upDownChanged(NodeId node, boolean up) {
                upDowns.add(new UpDown(nowMillis(), spec.id(), node, up));
            }
        });
        m.registerHandlers();
        m.start();
        running.put(spec.id(), m);
        return m;
    }

    /** Starts every node, in a random order, each at a random time within {@code spreadMs}. */
    void startAllSpread(long spreadMs) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            order.add(i);
        }
        for (int i = order.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        for (int index : order) {
            long at = spreadMs == 0 ? 0 : random.nextInt((int) spreadMs + 1);
            loop.schedule(() -> start(index), at, TimeUnit.MILLISECONDS);
        }
        loop.runFor(spreadMs);
    }

    /** Kills node {@code id} as kill -9 would: it stops and its links go dead. */
    void kill(NodeId id) {
        running.remove(id).stop();
        network.kill(id);
    }

    /** Whether every running node knows every running node, sees it up and holds the same ring. */
    boolean converged() {
        Ring first = null;
        for (GossipMembership m : running.values()) {
            for (NodeId other : running.keySet()) {
                if (m.member(other).isEmpty() || !m.isUp(other)) {
                    return false;
                }
            }
            if (first == null) {
                first = m.ring();
            } else if (!first.equals(m.ring())) {
                return false;
            }
        }
        return true;
    }

    /** Whether every running node believes {@code node} is down. */
    boolean allSeeDown(NodeId node) {
        for (GossipMembership m : running.values()) {
            if (m.isUp(node)) {
                return false;
            }
        }
        return true;
    }

    long downsOf(NodeId observer, NodeId node) {
        return upDowns.stream().filter(u -> !u.up() && u.observer().equals(observer) && u.node().equals(node)).count();
    }

    @Override
    public String toString() {
        return "GossipSimulation{seed=" + seed + ", " + specs.size() + " nodes, " + seeds.size() + " seeds}";
    }

    static MessageTypes types() {
        return GossipMessages.register(MessageTypes.builder()).build();
    }
}
