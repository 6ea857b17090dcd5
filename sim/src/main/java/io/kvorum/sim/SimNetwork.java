package io.kvorum.sim;

import io.kvorum.core.Checks;
import io.kvorum.core.Message;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The network between simulated nodes, with its faults as explicit, seeded options (as
 * TigerBeetle's packet simulator has them): a latency range from which each message draws its
 * delay (so messages reorder), a loss probability, cut links, and dead nodes, which neither send
 * nor receive. Every random choice comes from one {@link RandomSource}, so a run replays from its
 * seed.
 */
public final class SimNetwork {
    private final SimLoop loop;
    private final RandomSource random;
    private final Map<NodeId, SimBus> buses = new LinkedHashMap<>();
    private final Map<InetSocketAddress, NodeId> byAddress = new HashMap<>();
    private final Set<NodeId> dead = new HashSet<>();
    private final Set<Link> cut = new HashSet<>();
    private long minLatencyMicros = 100;
    private long maxLatencyMicros = 1000;
    private double lossProbability;
    private long delivered;
    private long dropped;

    private record Link(NodeId from, NodeId to) {
    }

    public SimNetwork(SimLoop loop, RandomSource random) {
        this.loop = loop;
        this.random = random;
    }

    public SimLoop loop() {
        return loop;
    }

    /** Each message takes a uniformly random time in {@code [min, max]} microseconds. */
    public SimNetwork latency(long minMicros, long maxMicros) {
        Checks.require(minMicros >= 0 && maxMicros >= minMicros, "latency", minMicros + ".." + maxMicros,
                "0 <= min <= max");
        this.minLatencyMicros = minMicros;
        this.maxLatencyMicros = maxMicros;
        return this;
    }

    /** Each message is lost with this probability. */
    public SimNetwork loss(double probability) {
        Checks.require(probability >= 0 && probability <= 1, "loss probability", probability, "0..1");
        this.lossProbability = probability;
        return this;
    }

    /** Kills a node: from now on nothing reaches it and nothing it sends arrives. */
    public void kill(NodeId node) {
        dead.add(node);
    }

    public void revive(NodeId node) {
        dead.remove(node);
    }

    public boolean isDead(NodeId node) {
        return dead.contains(node);
    }

    /** Cuts the link in both directions. */
    public void cut(NodeId a, NodeId b) {
        cut.add(new Link(a, b));
        cut.add(new Link(b, a));
    }

    public void healAll() {
        cut.clear();
        dead.clear();
    }

    public long delivered() {
        return delivered;
    }

    public long dropped() {
        return dropped;
    }

    public SimBus attach(NodeId node, InetSocketAddress address) {
        SimBus bus = new SimBus(this, node, address);
        buses.put(node, bus);
        byAddress.put(address, node);
        return bus;
    }

    NodeId nodeAt(InetSocketAddress address) {
        return byAddress.get(address);
    }

    /**
     * Carries {@code message} from one node to another, after a random latency, unless a fault
     * drops it. Messages a node sends to itself are delivered through the same path, without loss.
     */
    void transmit(NodeId from, NodeId to, Message message, Delivery delivery) {
        boolean self = from.equals(to);
        if (dead.contains(from) || dead.contains(to) || cut.contains(new Link(from, to))
                || (!self && lossProbability > 0 && random.nextDouble() < lossProbability) || !buses.containsKey(to)) {
            dropped++;
            return;
        }
        long latency = minLatencyMicros + (maxLatencyMicros > minLatencyMicros
                ? random.nextInt((int) (maxLatencyMicros - minLatencyMicros + 1)) : 0);
        loop.schedule(() -> {
            if (dead.contains(to)) {
                dropped++;
                return;
            }
            delivered++;
            delivery.deliver(buses.get(to), message);
        }, self ? 0 : latency, TimeUnit.MICROSECONDS);
    }

    /** What happens at the receiving end. */
    interface Delivery {
        void deliver(SimBus receiver, Message message);
    }
}
