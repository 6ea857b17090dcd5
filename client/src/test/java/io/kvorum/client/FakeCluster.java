package io.kvorum.client;

import io.kvorum.core.Actor;
import io.kvorum.core.Causality;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import io.kvorum.core.protocol.ClientMessages;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.core.protocol.RingRequest;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import io.kvorum.transport.StoredCredential;
import io.kvorum.transport.WireServer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A stand-in for a Kvorum cluster, for client tests: real {@link WireServer}s on loopback, each a
 * "node" that answers the client protocol from one shared in-memory store (so a request may land
 * on any node, as in a real cluster), coordinates writes with its own actor (so two blind writes
 * make siblings), and records every request it got. Its ring response describes the nodes with
 * evenly spaced tokens; a test can mark nodes down in it, stop them, or make them fail.
 */
public final class FakeCluster implements AutoCloseable {
    public static final int REPLICATION_FACTOR = 3;
    private static final int TOKENS_PER_NODE = 8;

    private final List<Node> nodes = new ArrayList<>();
    private final Map<Key, List<Record>> store = new HashMap<>();

    public FakeCluster(int size) {
        this(size, Map.of());
    }

    /**
     * A cluster whose nodes accept only these users and passwords (none: every client). Every node
     * holds the same stored keys, as nodes sharing one users file do; hashed with the fewest
     * iterations allowed, to keep tests quick.
     */
    public FakeCluster(int size, Map<String, String> passwords) {
        Map<String, StoredCredential> users = new HashMap<>();
        passwords.forEach((user, password) -> users.put(user, StoredCredential.create(password,
                StoredCredential.MIN_ITERATIONS, new SecureRandom())));
        for (int i = 0; i < size; i++) {
            nodes.add(new Node(i, size, users));
        }
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(int i) {
        return nodes.get(i);
    }

    /** Every node's client address, as seeds. */
    public String[] seeds() {
        return nodes.stream().map(Node::address).toArray(String[]::new);
    }

    /** The ring the nodes describe, to compute preference lists as a server would. */
    public Ring ring() {
        Map<NodeId, Collection<Long>> tokens = new HashMap<>();
        for (Node n : nodes) {
            tokens.put(n.id, n.tokens);
        }
        return Ring.of(tokens, Map.of());
    }

    /** The node holding {@code id}. */
    public Node node(NodeId id) {
        return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
    }

    /** The {@code i}-th node of the key's preference list. */
    public Node replica(String key, int i) {
        return node(ring().preferenceList(Key.of(key), REPLICATION_FACTOR).get(i));
    }

    /** Every request any node got that was not a ring request. */
    public int dataRequests() {
        return nodes.stream().mapToInt(n -> n.dataRequests().size()).sum();
    }

    RingResponse ringResponse() {
        List<RingResponse.Member> members = new ArrayList<>();
        for (Node n : nodes) {
            members.add(new RingResponse.Member(n.id.value(), "127.0.0.1", n.port, n.tokens, "", n.reportedUp));
        }
        return new RingResponse(REPLICATION_FACTOR, members);
    }

    @Override
    public void close() {
        nodes.forEach(Node::stop);
    }

    /** One fake node. */
    public final class Node {
        public final NodeId id;
        final Actor actor;
        final List<Long> tokens;
        final int port;
        private final WireServer server;
        private final AtomicLong counter = new AtomicLong();
        private final List<Message> received = new CopyOnWriteArrayList<>();
        private volatile boolean reportedUp = true;
        private volatile Function<Message, CompletableFuture<? extends Message>> override;

        Node(int index, int size, Map<String, StoredCredential> users) {
            this.id = new NodeId(index + 1L);
            this.actor = new Actor(id, 0);
            this.tokens = TokenAllocator.evenTokens(index, size, TOKENS_PER_NODE);
            this.server = WireServer.builder(ClientMessages.types(), (client, request) -> handle(request))
                    .serverName("fake node " + id)
                    .eventLoopThreads(1)
                    .users(users)
                    .build()
                    .start();
            this.port = server.localAddress().getPort();
        }

        public String address() {
            return "127.0.0.1:" + port;
        }

        /** Every GetRequest and PutRequest this node got, in order. */
        public List<Message> dataRequests() {
            return received.stream().filter(m -> !(m instanceof RingRequest)).toList();
        }

        /** The keys of the data requests this node got. */
        public List<String> keysReceived() {
            List<String> keys = new ArrayList<>();
            for (Message m : dataRequests()) {
                keys.add(m instanceof GetRequest g ? g.keyObject().toString() : ((PutRequest) m).keyObject().toString());
            }
            return keys;
        }

        public long ringRequests() {
            return received.stream().filter(m -> m instanceof RingRequest).count();
        }

        /** Whether the ring responses of every node call this one up. */
        public void reportUp(boolean up) {
            this.reportedUp = up;
        }

        /** Answers data requests with {@code answer} instead of the store. */
        public void answerWith(Function<Message, CompletableFuture<? extends Message>> answer) {
            this.override = answer;
        }

        public void stop() {
            server.close();
        }

        private CompletableFuture<? extends Message> handle(Message request) {
            received.add(request);
            if (request instanceof RingRequest) {
                return CompletableFuture.completedFuture(ringResponse());
            }
            Function<Message, CompletableFuture<? extends Message>> o = override;
            if (o != null) {
                return o.apply(request);
            }
            if (request instanceof GetRequest get) {
                get.options().effectiveN(REPLICATION_FACTOR);
                synchronized (store) {
                    return CompletableFuture.completedFuture(
                            new GetResponse(store.getOrDefault(get.keyObject(), List.of())));
                }
            }
            PutRequest put = (PutRequest) request;
            put.options().effectiveN(REPLICATION_FACTOR);
            Key key = put.keyObject();
            VersionVector context = put.context().length == 0 ? VersionVector.EMPTY : ContextCodec.decode(put.context());
            Dot dot = new Dot(actor, counter.incrementAndGet());
            long now = System.currentTimeMillis();
            Record record = put.isDelete() ? Record.tombstone(key, dot, context, now)
                    : Record.value(key, dot, context, now, put.value());
            synchronized (store) {
                List<Record> local = store.getOrDefault(key, List.of());
                List<Record> shipped = new ArrayList<>();
                shipped.add(record);
                shipped.addAll(Causality.survivorsToShip(local, record));
                store.put(key, Causality.merge(local, List.of(record)));
                return CompletableFuture.completedFuture(new PutResponse(ContextCodec.encode(Causality.join(shipped))));
            }
        }
    }
}
