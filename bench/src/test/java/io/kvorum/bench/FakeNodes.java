package io.kvorum.bench;

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
import io.kvorum.ring.TokenAllocator;
import io.kvorum.transport.WireServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A stand-in for a cluster, for the cluster benchmark's tests (the minimal part of the client
 * module's FakeCluster): real {@link WireServer}s on loopback answering the client protocol from
 * one shared in-memory store, each coordinating writes with its own actor, as a real node would,
 * so that contexts and siblings behave. A test may make every node answer data requests its own
 * way instead.
 */
final class FakeNodes implements AutoCloseable {
    static final int REPLICATION_FACTOR = 3;
    private static final int TOKENS_PER_NODE = 8;

    private final List<Node> nodes = new ArrayList<>();
    private final Map<Key, List<Record>> store = new HashMap<>();
    private volatile Function<Message, CompletableFuture<? extends Message>> override;

    FakeNodes(int size) {
        for (int i = 0; i < size; i++) {
            nodes.add(new Node(i, size));
        }
    }

    /** Every node's client address, comma-separated, for {@code --hosts}. */
    String hosts() {
        return String.join(",", nodes.stream().map(n -> "127.0.0.1:" + n.port).toList());
    }

    /**
     * Answers data requests with {@code answer} when it returns a future, and from the store when
     * it returns null.
     */
    void answerWith(Function<Message, CompletableFuture<? extends Message>> answer) {
        this.override = answer;
    }

    /** How many values the store holds for {@code key}. */
    int values(String key) {
        synchronized (store) {
            return (int) store.getOrDefault(Key.of(key), List.of()).stream().filter(r -> !r.isTombstone()).count();
        }
    }

    @Override
    public void close() {
        nodes.forEach(n -> n.server.close());
    }

    private RingResponse ring() {
        List<RingResponse.Member> members = new ArrayList<>();
        for (Node n : nodes) {
            members.add(new RingResponse.Member(n.id.value(), "127.0.0.1", n.port, n.tokens, "", true));
        }
        return new RingResponse(REPLICATION_FACTOR, members);
    }

    private final class Node {
        final NodeId id;
        final Actor actor;
        final List<Long> tokens;
        final WireServer server;
        final int port;
        final AtomicLong counter = new AtomicLong();

        Node(int index, int size) {
            this.id = new NodeId(index + 1L);
            this.actor = new Actor(id, 0);
            this.tokens = TokenAllocator.evenTokens(index, size, TOKENS_PER_NODE);
            this.server = WireServer.builder(ClientMessages.types(), (client, request) -> handle(request))
                    .serverName("fake node " + id)
                    .eventLoopThreads(1)
                    .build()
                    .start();
            this.port = server.localAddress().getPort();
        }

        private CompletableFuture<? extends Message> handle(Message request) {
            if (request instanceof RingRequest) {
                return CompletableFuture.completedFuture(ring());
            }
            Function<Message, CompletableFuture<? extends Message>> o = override;
            CompletableFuture<? extends Message> answer = o == null ? null : o.apply(request);
            if (answer != null) {
                return answer;
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
            Record record = put.isDelete() ? Record.tombstone(key, dot, context, 1)
                    : Record.value(key, dot, context, 1, put.value());
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
