package io.kvorum.sim;

import io.kvorum.core.Checks;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Message;
import io.kvorum.core.MessageCodec;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Scheduler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The network between simulated nodes, with its faults as explicit, seeded options (as
 * TigerBeetle's packet simulator has them): a latency range from which each message draws its
 * delay (so messages reorder), a loss probability, a duplication probability, cut links, dead
 * nodes (which neither send nor receive), partitions of a {@link PartitionMode} drawn over the
 * members, and {@link FaultWindows stability windows} that switch faults on and off. Every random
 * choice comes from one {@link RandomSource}, so a run replays from its seed; an option left at its
 * default draws nothing, so adding one never changes what an older simulation draws.
 *
 * <p>Optionally the network carries bytes rather than objects: given a {@link MessageCodec} (the
 * real wire codec, from {@code transport}), every message between two nodes is encoded when sent
 * and decoded on each delivery, so a message the real bus would refuse fails here too, and no two
 * nodes share an object. Given the {@link MessageTypes}, buses refuse unregistered types as the
 * real bus does. Both default to off, which is how simulations that predate them run.
 *
 * <p>Single-threaded, like the {@link SimLoop} it runs on.
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
    private double duplicateProbability;
    private MessageTypes types;
    private MessageCodec codec;
    private Partition partition;
    private WindowCycle windows;
    private long delivered;
    private long dropped;
    private long duplicated;

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

    /**
     * Each message that is not lost is delivered a second time with this probability, after a
     * latency of its own (as a retransmission or a misbehaving switch would): a request's handler
     * may run twice, its second answer finds the request done and is ignored.
     */
    public SimNetwork duplicate(double probability) {
        Checks.require(probability >= 0 && probability <= 1, "duplicate probability", probability, "0..1");
        this.duplicateProbability = probability;
        return this;
    }

    /** Buses refuse a message or handler of a class that {@code types} does not register, as the real bus does. */
    public SimNetwork types(MessageTypes types) {
        this.types = Objects.requireNonNull(types, "types");
        return this;
    }

    /**
     * Every message between two nodes travels as {@code codec}'s bytes: encoded when sent (an error
     * is the sender's, as on the real bus) and decoded on each delivery. Messages a node sends to
     * itself are not encoded, as the real bus does not encode them.
     */
    public SimNetwork codec(MessageCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        return this;
    }

    MessageTypes types() {
        return types;
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

    /** Heals every cut link and partition and revives every dead node; fault windows keep running. */
    public void healAll() {
        cut.clear();
        dead.clear();
        partition = null;
    }

    /**
     * Partitions the attached nodes (dead ones included) as {@code mode} says, drawing who goes
     * where from the network's random source; replaces any partition in place. Cut links and dead
     * nodes stay as they are.
     */
    public Partition partition(PartitionMode mode) {
        return partition(mode, buses.keySet());
    }

    /** Partitions {@code members} as {@code mode} says; other nodes keep every link. */
    public Partition partition(PartitionMode mode, Collection<NodeId> members) {
        this.partition = Partition.draw(mode, members, random);
        return partition;
    }

    /** Ends the partition, if any; cut links and dead nodes stay. */
    public void heal() {
        partition = null;
    }

    /** The partition in place, or null. */
    public Partition currentPartition() {
        return partition;
    }

    /**
     * Starts switching faults on and off in stability windows: a quiet window first, then a faulty
     * one, and so on, each of a length drawn from the network's random source. While the windows
     * run they own the partition ({@link #partition} and {@link #heal} are overridden at the next
     * switch). One cycle at a time; cancelling ends it, healing its partition and extra faults.
     */
    public Scheduler.Cancellable faultWindows(FaultWindows options) {
        Objects.requireNonNull(options, "options");
        if (windows != null) {
            throw new IllegalStateException("fault windows already run on this network (expected: cancel them first)");
        }
        WindowCycle cycle = new WindowCycle(options);
        windows = cycle;
        cycle.beginQuiet();
        return cycle::stop;
    }

    /** Whether a fault window is on now. */
    public boolean inFaultyWindow() {
        return windows != null && windows.faulty;
    }

    /** Whether a message from {@code from} would get to {@code to} now, loss aside. */
    public boolean canReach(NodeId from, NodeId to) {
        return !dead.contains(from) && !dead.contains(to) && buses.containsKey(to)
                && (from.equals(to) || (!cut.contains(new Link(from, to))
                && (partition == null || partition.connected(from, to))));
    }

    public long delivered() {
        return delivered;
    }

    public long dropped() {
        return dropped;
    }

    /** How many messages were sent a second time by {@link #duplicate}. */
    public long duplicated() {
        return duplicated;
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
     * drops it, and perhaps once more. Messages a node sends to itself are delivered through the
     * same path, without loss, duplication or encoding.
     *
     * @throws IllegalArgumentException (or what the codec throws) when the codec refuses the message
     */
    void transmit(NodeId from, NodeId to, Message message, Delivery delivery) {
        boolean self = from.equals(to);
        byte[] bytes = self || codec == null ? null : codec.encode(message);
        // The order of these checks fixes when a random number is drawn; keep it, so old seeds replay.
        if (dead.contains(from) || dead.contains(to) || cut.contains(new Link(from, to))
                || (partition != null && !partition.connected(from, to))
                || (!self && lossProbability() > 0 && random.nextDouble() < lossProbability())
                || !buses.containsKey(to)) {
            dropped++;
            return;
        }
        deliverLater(to, message, bytes, self ? 0 : latencyMicros(), delivery);
        if (!self && duplicateProbability() > 0 && random.nextDouble() < duplicateProbability()) {
            duplicated++;
            deliverLater(to, message, bytes, latencyMicros(), delivery);
        }
    }

    private void deliverLater(NodeId to, Message message, byte[] bytes, long latencyMicros, Delivery delivery) {
        loop.schedule(() -> {
            if (dead.contains(to)) {
                dropped++;
                return;
            }
            delivered++;
            delivery.deliver(buses.get(to), bytes == null ? message : decode(message, bytes));
        }, latencyMicros, TimeUnit.MICROSECONDS);
    }

    /**
     * The real bus would close the connection over bytes it cannot decode; here both ends share one
     * codec, so bytes it wrote and cannot read are a bug in it or in the message (a record whose
     * constructor refuses its own components), and the simulation stops on it, replayably.
     */
    private Message decode(Message sent, byte[] bytes) {
        try {
            return codec.decode(bytes);
        } catch (RuntimeException e) {
            throw new KvorumException("the codec cannot decode the " + bytes.length + " bytes it encoded of "
                    + sent.getClass().getName() + ": " + e.getMessage(), e);
        }
    }

    private long latencyMicros() {
        return minLatencyMicros + (maxLatencyMicros > minLatencyMicros
                ? random.nextInt((int) (maxLatencyMicros - minLatencyMicros + 1)) : 0);
    }

    private double lossProbability() {
        return inFaultyWindow() ? Math.max(lossProbability, windows.options.lossWhileFaulty()) : lossProbability;
    }

    private double duplicateProbability() {
        return inFaultyWindow() ? Math.max(duplicateProbability, windows.options.duplicationWhileFaulty())
                : duplicateProbability;
    }

    /** One run of stability windows: each switch schedules the next on the loop. */
    private final class WindowCycle {
        final FaultWindows options;
        boolean faulty;
        Scheduler.Cancellable next;

        WindowCycle(FaultWindows options) {
            this.options = options;
        }

        void beginQuiet() {
            faulty = false;
            partition = null;
            next = loop.schedule(this::beginFaulty, draw(options.minQuietMs(), options.maxQuietMs()),
                    TimeUnit.MILLISECONDS);
        }

        void beginFaulty() {
            faulty = true;
            List<PartitionMode> modes = options.modes();
            if (!modes.isEmpty()) {
                PartitionMode mode = modes.get(modes.size() == 1 ? 0 : random.nextInt(modes.size()));
                List<NodeId> members = new ArrayList<>(buses.keySet());
                partition = Partition.draw(mode, members, random);
            }
            next = loop.schedule(this::beginQuiet, draw(options.minFaultyMs(), options.maxFaultyMs()),
                    TimeUnit.MILLISECONDS);
        }

        long draw(long min, long max) {
            return min + (max > min ? random.nextInt((int) (max - min + 1)) : 0);
        }

        void stop() {
            if (windows != this) {
                return; // idempotent
            }
            next.cancel();
            faulty = false;
            partition = null;
            windows = null;
        }
    }

    /** What happens at the receiving end. */
    interface Delivery {
        void deliver(SimBus receiver, Message message);
    }
}
