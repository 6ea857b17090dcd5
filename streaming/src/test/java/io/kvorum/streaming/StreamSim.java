package io.kvorum.streaming;

import io.kvorum.core.Causality;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.sim.SimBus;
import io.kvorum.sim.SimLoop;
import io.kvorum.sim.SimNetwork;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import io.kvorum.storage.MemoryReplicaStore;
import io.kvorum.storage.ReplicaStore;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A seeded, single-threaded simulation of nodes that stream to each other: each node has a
 * {@link SimBus}, a {@link MemoryReplicaStore} wrapped to count what is applied and flushed, and a
 * {@link StreamSource}; storage work runs inline.
 */
final class StreamSim {
    final long seed;
    final SimLoop loop = new SimLoop();
    final SimNetwork network;
    private final Map<NodeId, Node> nodes = new LinkedHashMap<>();

    /** One simulated node. */
    static final class Node {
        final NodeId id;
        final SimBus bus;
        final CountingStore store = new CountingStore(new MemoryReplicaStore());
        final StreamSource source;

        Node(NodeId id, SimBus bus) {
            this.id = id;
            this.bus = bus;
            this.source = new StreamSource(store, bus, Runnable::run);
            source.registerHandlers();
        }
    }

    StreamSim(long seed) {
        this.seed = seed;
        this.network = new SimNetwork(loop, RandomSource.seeded(seed));
    }

    Node node(int n) {
        return nodes.computeIfAbsent(new NodeId(n), id -> new Node(id,
                network.attach(id, InetSocketAddress.createUnresolved("node" + n, 7100))));
    }

    /** A node with a bus only, for a test to install its own handlers on. */
    SimBus bareBus(int n) {
        return network.attach(new NodeId(n), InetSocketAddress.createUnresolved("node" + n, 7100));
    }

    RangeStreamer streamer(Node node, StreamOptions options) {
        return new RangeStreamer(node.store, node.bus, loop, loop, Runnable::run, options);
    }

    /** Runs the simulation until the session's current attempt completes. */
    void awaitDone(StreamSession session, long limitMs) {
        loop.runUntil(() -> session.done().isDone(), limitMs);
    }

    /** Every record a store holds, by key, in storage order. */
    static TreeMap<Key, List<Record>> contents(ReplicaStore store) {
        return contents(store, TokenRange.full());
    }

    /** The records a store holds of the keys in {@code range}, by key. */
    static TreeMap<Key, List<Record>> contents(ReplicaStore store, TokenRange range) {
        TreeMap<Key, List<Record>> out = new TreeMap<>();
        try (CloseableIterator<Record> it = store.scan(range)) {
            while (it.hasNext()) {
                Record r = it.next();
                out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
            }
        }
        return out;
    }

    /** The model: the union of the given states, each key's records resolved as a store resolves them. */
    @SafeVarargs
    static TreeMap<Key, List<Record>> union(Map<Key, List<Record>>... states) {
        TreeMap<Key, List<Record>> all = new TreeMap<>();
        for (Map<Key, List<Record>> state : states) {
            state.forEach((k, rs) -> all.computeIfAbsent(k, x -> new ArrayList<>()).addAll(rs));
        }
        TreeMap<Key, List<Record>> resolved = new TreeMap<>();
        all.forEach((k, rs) -> resolved.put(k, new ArrayList<>(Causality.resolve(rs))));
        return resolved;
    }

    static TreeMap<Key, List<Record>> restrict(Map<Key, List<Record>> state, TokenRange range) {
        TreeMap<Key, List<Record>> out = new TreeMap<>();
        state.forEach((k, rs) -> {
            if (range.contains(k.token())) {
                out.put(k, rs);
            }
        });
        return out;
    }

    /** A {@link ReplicaStore} that counts what it is given, so tests can compare progress with what was applied. */
    static final class CountingStore implements ReplicaStore {
        private final ReplicaStore delegate;
        long appliedBatches;
        long appliedRecords;
        long appliedBytes;
        long flushes;
        /** Whether a flush came after the last apply. */
        boolean flushedSinceApply;
        /** When non-null, applies fail with it. */
        RuntimeException failApplies;

        CountingStore(ReplicaStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public long retainOnly(List<TokenRange> keep) {
            return delegate.retainOnly(keep);
        }

        @Override
        public void apply(List<Record> records, Durability durability) {
            if (failApplies != null) {
                throw failApplies;
            }
            delegate.apply(records, durability);
            appliedBatches++;
            appliedRecords += records.size();
            for (Record r : records) {
                appliedBytes += StreamMessages.wireBytes(r);
            }
            flushedSinceApply = false;
        }

        /** Seeds the store without counting it as streamed. */
        void load(Collection<Record> records) {
            delegate.apply(List.copyOf(records), Durability.PERIODIC);
        }

        @Override
        public List<Record> read(Key key) {
            return delegate.read(key);
        }

        @Override
        public CloseableIterator<Record> scan(TokenRange range) {
            return delegate.scan(range);
        }

        @Override
        public void flush() {
            delegate.flush();
            flushes++;
            flushedSinceApply = true;
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
