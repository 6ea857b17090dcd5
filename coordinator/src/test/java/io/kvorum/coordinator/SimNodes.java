package io.kvorum.coordinator;

import io.kvorum.core.Actor;
import io.kvorum.core.Consistency;
import io.kvorum.core.Dot;
import io.kvorum.core.DotSource;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.Record;
import io.kvorum.core.Seams;
import io.kvorum.core.VersionVector;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.ring.FixedMembership;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import io.kvorum.sim.SimBus;
import io.kvorum.sim.SimLoop;
import io.kvorum.sim.SimNetwork;
import io.kvorum.storage.MemoryReplicaStore;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Coordinators on simulated nodes, for the coordinator's own tests: one {@link SimLoop}, a
 * {@link SimNetwork} with fixed latency (so only the test's faults vary), a {@link FixedMembership}
 * the test flips, and per node a {@link RecordingStore} and a storage executor whose delay the test
 * sets, to make one replica answer late. Everything runs on the test's thread; nothing sleeps.
 */
final class SimNodes {
    static final int TOKENS_PER_NODE = 4;
    static final long MAX_TIMEOUT_MS = 60_000;
    /** One hop, in microseconds: fixed, so timings in the tests are exact. */
    static final long LATENCY_MICROS = 500;

    final SimLoop loop = new SimLoop();
    final SimNetwork network;
    final FixedMembership membership;
    final List<SimNode> nodes = new ArrayList<>();
    private final RandomSource random;
    private final int replicationFactor;
    /** The store of the i-th node, behind its {@link RecordingStore}. */
    private final IntFunction<ReplicaStore> stores;

    /** One node: its bus, store, coordinator, and a knob for how late its storage work runs. */
    static final class SimNode {
        final NodeId id;
        final SimBus bus;
        final RecordingStore store;
        final RecordingHints hints = new RecordingHints();
        final DelayedExecutor storage;
        Coordinator coordinator;

        SimNode(NodeId id, SimBus bus, RecordingStore store, DelayedExecutor storage) {
            this.id = id;
            this.bus = bus;
            this.store = store;
            this.storage = storage;
        }

        Coordinator.Stats stats() {
            return coordinator.stats();
        }

        @Override
        public String toString() {
            return id.toString();
        }
    }

    /** Runs storage work at once, or {@code delayMs} later on the loop. */
    static final class DelayedExecutor implements Executor {
        private final SimLoop loop;
        long delayMs;

        DelayedExecutor(SimLoop loop) {
            this.loop = loop;
        }

        @Override
        public void execute(Runnable task) {
            if (delayMs == 0) {
                task.run();
            } else {
                loop.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** A dot source in memory, as a node's identity would be. */
    static final class Dots implements DotSource {
        private final Actor actor;
        private long counter;

        Dots(NodeId node) {
            this.actor = new Actor(node, 0);
        }

        @Override
        public Actor actor() {
            return actor;
        }

        @Override
        public synchronized Dot nextDot() {
            return new Dot(actor, ++counter);
        }
    }

    private SimNodes(long seed, int count, int replicationFactor, IntFunction<ReplicaStore> stores) {
        this.stores = stores;
        this.random = RandomSource.seeded(seed);
        this.replicationFactor = replicationFactor;
        this.network = new SimNetwork(loop, random.split()).latency(LATENCY_MICROS, LATENCY_MICROS);
        Map<NodeId, List<Long>> tokens = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            NodeId id = NodeId.random(random);
            tokens.put(id, TokenAllocator.evenTokens(i, count, TOKENS_PER_NODE));
        }
        this.membership = new FixedMembership(Ring.of(tokens, Map.of()));
        for (NodeId id : tokens.keySet()) {
            nodes.add(newNode(id));
        }
    }

    /** {@code count} nodes with evenly spaced tokens, every one up, each coordinator's handlers registered. */
    static SimNodes start(long seed, int count, int replicationFactor) {
        return start(seed, count, replicationFactor, i -> new MemoryReplicaStore(RecordLimits.defaults()));
    }

    /** As above, the i-th node's store being {@code stores.apply(i)} (say, an LSM store with a damaged table). */
    static SimNodes start(long seed, int count, int replicationFactor, IntFunction<ReplicaStore> stores) {
        return new SimNodes(seed, count, replicationFactor, stores);
    }

    private SimNode newNode(NodeId id) {
        SimBus bus = network.attach(id, new InetSocketAddress("10.0.0." + (nodes.size() + 1), 7100));
        SimNode node = new SimNode(id, bus, new RecordingStore(stores.apply(nodes.size())), new DelayedExecutor(loop));
        node.coordinator = new Coordinator(new Seams(bus, loop, loop, random.split(), node.storage),
                new Dots(id), node.store, membership,
                CoordinatorOptions.of(replicationFactor, RecordLimits.defaults(), MAX_TIMEOUT_MS), node.hints);
        node.coordinator.registerHandlers();
        return node;
    }

    /**
     * A node that is joining: attached and serving, its tokens in the pending ring only, so that
     * writes also go to it while the current ring stays as it was.
     */
    SimNode startJoiner() {
        NodeId id = NodeId.random(random);
        Ring ring = membership.ring();
        SimNode joiner = newNode(id);
        nodes.add(joiner);
        membership.setPendingRing(ring.withNode(id, TokenAllocator.allocate(ring, TOKENS_PER_NODE,
                replicationFactor, random), Ring.NO_RACK));
        return joiner;
    }

    SimNode node(int i) {
        return nodes.get(i);
    }

    SimNode node(NodeId id) {
        return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
    }

    List<SimNode> nodes(List<NodeId> ids) {
        return ids.stream().map(this::node).toList();
    }

    /** The first key {@code key-0}, {@code key-1}, ... whose preference list of n satisfies {@code test}. */
    Key keyWhere(int n, Predicate<List<NodeId>> test) {
        return keyWhere(key -> test.test(membership.ring().preferenceList(key, n)));
    }

    Key keyWhere(Predicate<Key> test) {
        for (int i = 0; i < 100_000; i++) {
            Key key = Key.of("key-" + i);
            if (test.test(key)) {
                return key;
            }
        }
        throw new AssertionError("no key satisfies the test");
    }

    List<NodeId> replicas(Key key, int n) {
        return membership.ring().preferenceList(key, n);
    }

    static PutRequest put(Key key, String value, WriteOptions options) {
        return PutRequest.of(key, value.getBytes(StandardCharsets.UTF_8), null, options);
    }

    static GetRequest get(Key key, ReadOptions options) {
        return GetRequest.of(key, options);
    }

    static WriteOptions w(Consistency w, long timeoutMs) {
        return WriteOptions.quorum().w(w).timeout(java.time.Duration.ofMillis(timeoutMs));
    }

    static ReadOptions r(Consistency r, long timeoutMs) {
        return ReadOptions.quorum().r(r).timeout(java.time.Duration.ofMillis(timeoutMs));
    }

    /** A record of {@code key} written by {@code writer} as its {@code counter}th write, blind. */
    Record record(Key key, SimNode writer, long counter, String value) {
        return Record.value(key, new Dot(new Actor(writer.id, 0), counter), VersionVector.EMPTY, loop.nowMillis(),
                value.getBytes(StandardCharsets.UTF_8));
    }

    static String valueOf(GetResponse response) {
        return response.records().stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).sorted()
                .reduce((a, b) -> a + "," + b).orElse("");
    }

    /** Runs the loop until the future is done (at most a minute of simulated time) and returns its value. */
    <T> T await(CompletableFuture<T> future) {
        loop.runUntil(future::isDone, 60_000);
        return future.join();
    }

    /** Runs the loop until the future is done and returns the error it failed with. */
    Throwable failure(CompletableFuture<?> future) {
        loop.runUntil(future::isDone, 60_000);
        try {
            future.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure but got " + future.join());
    }

    /** Simulated milliseconds since the start. */
    long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(loop.nanoTime());
    }
}
