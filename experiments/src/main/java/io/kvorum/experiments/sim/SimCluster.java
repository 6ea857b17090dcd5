package io.kvorum.experiments.sim;

import io.kvorum.sim.SimBus;
import io.kvorum.sim.SimLoop;
import io.kvorum.sim.SimNetwork;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Seams;
import io.kvorum.node.NodeAssembly;
import io.kvorum.transport.KryoMessageCodec;
import io.kvorum.ring.FixedMembership;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import io.kvorum.storage.MemoryReplicaStore;
import io.kvorum.storage.RecordLimits;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A cluster of simulated nodes in one JVM on one thread: real coordinators over in-memory
 * stores, a {@link SimNetwork} with seeded faults, and one {@link SimLoop} for time. Everything
 * random comes from the seed, which every failure message should print, so that a failing run is
 * rebuilt by {@code SimCluster.start(seed, ...)}.
 *
 * <p>Each node is built by the production {@link NodeAssembly}. Membership is one shared, scripted
 * view ({@link FixedMembership}) rather than gossip: a test says who is known to be down,
 * separately from who is dead on the network, to tell "refused at once" from "timed out".
 */
public final class SimCluster {
    /** The longest timeout a request may ask for: longer than any the quorum properties use. */
    private static final long MAX_REQUEST_TIMEOUT_MS = 60_000;
    private final long seed;
    private final SimLoop loop = new SimLoop();
    private final SimNetwork network;
    private final FixedMembership membership;
    private final List<SimNode> nodes = new ArrayList<>();

    private SimCluster(long seed, int nodeCount, int replicationFactor, int numTokens) {
        this.seed = seed;
        RandomSource random = RandomSource.seeded(seed);
        this.network = new SimNetwork(loop, random.split());
        // Every message crosses the real wire codec, so one Netty would refuse fails here too.
        network.types(NodeAssembly.messageTypes()).codec(KryoMessageCodec.of(NodeAssembly.messageTypes()));
        Map<NodeId, List<Long>> tokens = new LinkedHashMap<>();
        List<NodeId> ids = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            NodeId id = NodeId.random(random);
            ids.add(id);
            tokens.put(id, TokenAllocator.evenTokens(i, nodeCount, numTokens));
        }
        this.membership = new FixedMembership(Ring.of(tokens, Map.of()));
        for (int i = 0; i < nodeCount; i++) {
            NodeId id = ids.get(i);
            SimBus bus = network.attach(id, new InetSocketAddress("10.0.0." + (i + 1), 7100));
            MemoryReplicaStore store = new MemoryReplicaStore(RecordLimits.defaults());
            NodeAssembly assembly = NodeAssembly.builder()
                    .seams(new Seams(bus, loop, loop, random.split(), Runnable::run))
                    .dots(new SimDots(id))
                    .store(store)
                    .options(SimOptions.node(replicationFactor, numTokens, MAX_REQUEST_TIMEOUT_MS))
                    .membership(membership)
                    .build();
            nodes.add(new SimNode(id, store, assembly, bus));
        }
    }

    /** A cluster of {@code nodes} nodes, each with {@code numTokens} evenly spaced tokens. */
    public static SimCluster start(long seed, int nodes, int replicationFactor, int numTokens) {
        return new SimCluster(seed, nodes, replicationFactor, numTokens);
    }

    public long seed() {
        return seed;
    }

    public SimLoop loop() {
        return loop;
    }

    public SimNetwork network() {
        return network;
    }

    public FixedMembership membership() {
        return membership;
    }

    public List<SimNode> nodes() {
        return nodes;
    }

    public SimNode node(NodeId id) {
        for (SimNode n : nodes) {
            if (n.id().equals(id)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no node " + id + " in the simulation");
    }

    /** The key's first {@code n} replicas, in preference order. */
    public List<NodeId> replicas(Key key, int n) {
        return membership.ring().preferenceList(key, n);
    }

    /**
     * Runs the simulation until {@code future} completes (within {@code limitMs} of simulated time)
     * and returns its outcome: the value, or the exception it failed with.
     */
    public <T> Outcome<T> await(CompletableFuture<T> future, long limitMs) {
        loop.runUntil(future::isDone, limitMs);
        try {
            return new Outcome<>(future.join(), null);
        } catch (CompletionException e) {
            return new Outcome<>(null, e.getCause());
        }
    }

    /** A request's result or its error. */
    public record Outcome<T>(T value, Throwable error) {
        public boolean ok() {
            return error == null;
        }
    }

    @Override
    public String toString() {
        return "SimCluster{seed=" + seed + ", " + nodes.size() + " nodes}";
    }
}
