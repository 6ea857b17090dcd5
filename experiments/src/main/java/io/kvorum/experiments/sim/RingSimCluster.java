package io.kvorum.experiments.sim;

import io.kvorum.streaming.RangeStreamer;
import io.kvorum.ringchanges.RingChanges;
import io.kvorum.coordinator.Coordinator;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Seams;
import io.kvorum.hints.HintDelivery;
import io.kvorum.hints.HintOptions;
import io.kvorum.hints.HintStore;
import io.kvorum.node.NodeAssembly;
import io.kvorum.transport.KryoMessageCodec;
import io.kvorum.core.TokenRange;
import io.kvorum.sim.SimBus;
import io.kvorum.sim.SimLoop;
import io.kvorum.sim.SimNetwork;
import io.kvorum.gossip.GossipMembership;
import io.kvorum.gossip.GossipOptions;
import io.kvorum.ring.MemberStatus;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import io.kvorum.storage.MemoryReplicaStore;
import io.kvorum.storage.RecordLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster of whole simulated nodes that change the ring: each node is built by the production
 * {@link NodeAssembly} (gossip membership, coordinator, range streaming and ring changes), over an
 * in-memory store, on one seeded loop. Founders start NORMAL with even tokens; later nodes join; nodes can
 * be decommissioned, or killed and removed. Every choice comes from the seed.
 */
public final class RingSimCluster {
    /** The longest request timeout the workload uses; ring changes wait twice that as grace. */
    public static final long REQUEST_TIMEOUT_MS = 500;

    private final long seed;
    private final int replicationFactor;
    private final int numTokens;
    private final SimLoop loop = new SimLoop();
    private final SimNetwork network;
    private final RandomSource random;
    private final Map<NodeId, Member> members = new LinkedHashMap<>();
    /** Where each node's hint store lives, or null for nodes without hints. */
    private final Path hintsDir;
    private final HintOptions hintOptions;
    private final HintDelivery.Options deliveryOptions;
    private final Map<NodeId, HintStore> hintStores = new LinkedHashMap<>();
    /** What of each started node outlives a crash: its address, its store and its dots. */
    private final Map<NodeId, Durable> durable = new LinkedHashMap<>();
    private int addresses;

    /** One simulated node and the parts a test drives. */
    public record Member(NodeId id, InetSocketAddress address, MemoryReplicaStore store, Coordinator coordinator,
                         GossipMembership membership, RingChanges ringChanges, RangeStreamer streamer, SimBus bus,
                         NodeAssembly assembly) {
    }

    private record Durable(InetSocketAddress address, MemoryReplicaStore store, SimDots dots) {
    }

    private RingSimCluster(long seed, int founders, int replicationFactor, int numTokens, Path hintsDir,
                           HintOptions hintOptions, HintDelivery.Options deliveryOptions) {
        this.seed = seed;
        this.hintsDir = hintsDir;
        this.hintOptions = hintOptions;
        this.deliveryOptions = deliveryOptions;
        this.replicationFactor = replicationFactor;
        this.numTokens = numTokens;
        this.random = RandomSource.seeded(seed);
        this.network = new SimNetwork(loop, random.split());
        // Every message crosses the real wire codec, so one Netty would refuse fails here too.
        network.types(NodeAssembly.messageTypes()).codec(KryoMessageCodec.of(NodeAssembly.messageTypes()));
        List<InetSocketAddress> seeds = new ArrayList<>();
        for (int i = 0; i < founders; i++) {
            seeds.add(nextAddress());
        }
        for (int i = 0; i < founders; i++) {
            start(NodeId.random(random), seeds.get(i), seeds, MemberStatus.NORMAL,
                    TokenAllocator.evenTokens(i, founders, numTokens));
        }
    }

    public static RingSimCluster found(long seed, int founders, int replicationFactor, int numTokens) {
        return new RingSimCluster(seed, founders, replicationFactor, numTokens, null, null, null);
    }

    /**
     * As {@link #found}, each node keeping hints in a real {@link HintStore} under {@code hintsDir}
     * (the simulation's clock drives it) and delivering them as a node does; {@link #closeHints}
     * closes the stores.
     */
    public static RingSimCluster foundWithHints(long seed, int founders, int replicationFactor, int numTokens,
                                                Path hintsDir) {
        return foundWithHints(seed, founders, replicationFactor, numTokens, hintsDir, HintOptions.defaults(),
                HintDelivery.Options.defaults());
    }

    /** As {@link #foundWithHints(long, int, int, int, Path)}, with these store and delivery options. */
    public static RingSimCluster foundWithHints(long seed, int founders, int replicationFactor, int numTokens,
                                                Path hintsDir, HintOptions hintOptions,
                                                HintDelivery.Options deliveryOptions) {
        return new RingSimCluster(seed, founders, replicationFactor, numTokens, hintsDir, hintOptions,
                deliveryOptions);
    }

    /** Closes every node's hint store. */
    public void closeHints() {
        hintStores.values().forEach(HintStore::close);
    }

    private InetSocketAddress nextAddress() {
        addresses++;
        return new InetSocketAddress("10.0." + (addresses / 250) + "." + (addresses % 250 + 1), 7100);
    }

    private Member start(NodeId id, InetSocketAddress address, List<InetSocketAddress> seeds, MemberStatus status,
                         List<Long> tokens) {
        Durable kept = durable.computeIfAbsent(id, n -> new Durable(address,
                new MemoryReplicaStore(RecordLimits.defaults()), new SimDots(n)));
        SimBus bus = network.attach(id, address);
        NodeAssembly.Builder builder = NodeAssembly.builder();
        if (hintsDir != null) {
            HintStore hints = HintStore.open(hintsDir.resolve(id.toString()), hintOptions, loop);
            hintStores.put(id, hints);
            builder.hints(hints, deliveryOptions);
        }
        MemoryReplicaStore store = kept.store();
        NodeAssembly assembly = builder
                .seams(new Seams(bus, loop, loop, random.split(), Runnable::run))
                .dots(kept.dots())
                .store(store)
                .options(SimOptions.node(replicationFactor, numTokens, 2 * REQUEST_TIMEOUT_MS))
                .gossip(loop.nowMillis(), NodeAssembly.localStates(address, address, "", status, tokens),
                        GossipOptions.defaults("sim", seeds))
                .build();
        assembly.start();
        GossipMembership membership = assembly.gossip();
        Member m = new Member(id, address, store, assembly.coordinator(), membership, assembly.ringChanges(),
                assembly.streamer(), bus, assembly);
        members.put(id, m);
        return m;
    }

    /** Starts a new node that joins through the live members; its join runs as the loop runs. */
    public Member startJoiner() {
        List<InetSocketAddress> seeds = new ArrayList<>();
        for (Member m : live()) {
            seeds.add(m.address());
        }
        return start(NodeId.random(random), nextAddress(), seeds, MemberStatus.JOINING, List.of());
    }

    /** kill -9: the node stops and its links go dead. Its hint store is closed, as a killed process's files are. */
    public void kill(NodeId id) {
        Member m = members.remove(id);
        m.assembly().stop();
        network.kill(id);
        HintStore hints = hintStores.remove(id);
        if (hints != null) {
            hints.close();
        }
    }

    /**
     * Starts a killed node again, as a real one restarts after kill -9: the same id, address and
     * tokens (as the live members' ring holds them), its store and hints as the crash left them, a
     * new dot epoch and a higher gossip generation. Hints it had not fsynced survive, as a process
     * crash leaves them in the operating system's cache (the hint store's own tests cover power loss).
     */
    public Member restart(NodeId id) {
        Durable kept = durable.get(id);
        if (kept == null || members.containsKey(id)) {
            throw new IllegalStateException(id + " is not a killed member of " + this);
        }
        List<InetSocketAddress> seeds = new ArrayList<>();
        List<Long> tokens = List.of();
        for (Member m : live()) {
            seeds.add(m.address());
            tokens = m.membership().ring().contains(id) ? m.membership().ring().tokensOf(id) : tokens;
        }
        kept.dots().newEpoch();
        network.revive(id);
        return start(id, kept.address(), seeds, MemberStatus.NORMAL, tokens);
    }

    /** A node that decommissioned stops; nothing of it remains on the network. */
    public void stopRetired(NodeId id) {
        kill(id);
    }

    public List<Member> live() {
        return List.copyOf(members.values());
    }

    public Member member(NodeId id) {
        return members.get(id);
    }

    /** Drops, on every live node, the ranges its ring says it no longer replicates. */
    public void cleanupAll() {
        for (Member m : live()) {
            Ring ring = m.membership().ring();
            List<TokenRange> keep = ring.contains(m.id()) ? ring.replicaRanges(m.id(), replicationFactor) : List.of();
            m.store().retainOnly(keep);
        }
    }

    public SimLoop loop() {
        return loop;
    }

    public SimNetwork network() {
        return network;
    }

    public RandomSource random() {
        return random;
    }

    public long seed() {
        return seed;
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    @Override
    public String toString() {
        return "RingSimCluster{seed=" + seed + ", " + members.size() + " live nodes}";
    }
}
