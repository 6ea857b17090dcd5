package io.kvorum.sim;

import io.kvorum.core.Checks;
import io.kvorum.core.Failure;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Message;
import io.kvorum.core.MessageBus;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RequestTimeoutException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One simulated node's {@link MessageBus}: messages travel through the {@link SimNetwork} and
 * every step happens as an event of the {@link SimLoop}.
 *
 * <p>It keeps the contract of the real bus where protocol code can tell: errors a handler raises
 * come back as the same typed exceptions (through {@link Failure}, as on the wire); a request to a
 * dead node fails fast with {@link PeerUnavailableException}, as a refused connection does, while a
 * request over a cut link or lost in transit times out; a message to self goes through the
 * loop, never re-entrantly; a handler that answers a request with null fails it with an internal
 * error. When the network knows the {@link MessageTypes}, an unregistered type is refused where the
 * real bus refuses it; when it has a codec, a message the codec cannot encode fails its sender, and
 * a response it cannot encode reaches the requester as a typed failure, as on the wire. The real
 * bus's {@code MessageBusContract} runs against this one too.
 */
public final class SimBus implements MessageBus {
    private final SimNetwork network;
    private final NodeId self;
    private final InetSocketAddress address;
    private final Map<Class<?>, Handler<? super Message>> handlers = new HashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextCorrelation;

    private record Pending(CompletableFuture<Message> future, Class<?> responseType) {
    }

    SimBus(SimNetwork network, NodeId self, InetSocketAddress address) {
        this.network = network;
        this.self = self;
        this.address = address;
    }

    @Override
    public NodeId self() {
        return self;
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public CompletableFuture<NodeId> identify(InetSocketAddress target, long timeoutMs) {
        NodeId node = network.nodeAt(target);
        if (node == null || network.isDead(node)) {
            return CompletableFuture.failedFuture(new PeerUnavailableException("no node answers at " + target));
        }
        return CompletableFuture.completedFuture(node);
    }

    @Override
    public void setAddress(NodeId node, InetSocketAddress address) {
        // The simulated network routes by node id.
    }

    @Override
    public void send(NodeId to, Message message) {
        requireRegistered(message);
        network.transmit(self, to, message, (receiver, m) -> receiver.receive(self, m, -1));
    }

    @Override
    public <R extends Message> CompletableFuture<R> request(NodeId to, Message request, Class<R> responseType,
                                                         long timeoutMs) {
        requireRegistered(request);
        CompletableFuture<Message> future = new CompletableFuture<>();
        if (network.isDead(to) && !to.equals(self)) {
            network.loop().schedule(() -> future.completeExceptionally(new PeerUnavailableException(
                    "connection to " + to + " refused")), 1, TimeUnit.MILLISECONDS);
        } else {
            long id = nextCorrelation++;
            pending.put(id, new Pending(future, responseType));
            network.loop().schedule(() -> {
                Pending p = pending.remove(id);
                if (p != null) {
                    p.future.completeExceptionally(new RequestTimeoutException("request to " + to + " timed out after "
                            + timeoutMs + " ms", 1, 0));
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
            try {
                network.transmit(self, to, request, (receiver, m) -> receiver.receive(self, m, id));
            } catch (RuntimeException e) {
                // The codec refused it: the caller's error, as the real bus reports an encoding error.
                pending.remove(id);
                future.completeExceptionally(e);
            }
        }
        return future.thenApply(responseType::cast);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <M extends Message> void handle(Class<M> type, Handler<? super M> handler) {
        MessageTypes types = network.types();
        if (types != null) {
            Checks.require(types.idOf(type) >= 0, "message type", type.getName(), "registered in MessageTypes");
        }
        if (handlers.putIfAbsent(type, (Handler<? super Message>) (Handler<?>) handler) != null) {
            throw new IllegalStateException("a handler for " + type.getName() + " is already registered on " + self);
        }
    }

    /** A message arrived; {@code correlation} is -1 for a one-way message. */
    private void receive(NodeId from, Message message, long correlation) {
        Handler<? super Message> handler = handlers.get(message.getClass());
        CompletionStage<? extends Message> reply;
        if (handler == null) {
            reply = CompletableFuture.failedFuture(new KvorumException("no handler for " + message.getClass().getName()
                    + " on " + self));
        } else {
            try {
                reply = handler.onMessage(from, message);
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
        }
        if (correlation < 0) {
            return;
        }
        if (reply == null) {
            answer(from, correlation, noResponse(message));
            return;
        }
        reply.whenComplete((response, error) -> answer(from, correlation, error != null ? Failure.of(unwrap(error))
                : response == null ? noResponse(message) : response));
    }

    /** Sends {@code answer} back; one the wire could not carry goes back as the failure to carry it. */
    private void answer(NodeId to, long correlation, Message answer) {
        Message carried = answer;
        MessageTypes types = network.types();
        if (types != null && !(answer instanceof Failure) && types.idOf(answer.getClass()) < 0) {
            carried = Failure.of(new IllegalArgumentException("message type: " + answer.getClass().getName()
                    + " (expected: registered in MessageTypes)"));
        }
        try {
            network.transmit(self, to, carried, (requester, m) -> requester.complete(correlation, m));
        } catch (RuntimeException e) {
            network.transmit(self, to, Failure.of(e), (requester, m) -> requester.complete(correlation, m));
        }
    }

    private Failure noResponse(Message request) {
        return new Failure(Failure.Kind.INTERNAL, "the handler for " + request.getClass().getSimpleName() + " on node "
                + self + " answered a request with no response", 0, 0);
    }

    private void requireRegistered(Message message) {
        MessageTypes types = network.types();
        if (types != null) {
            Checks.require(types.idOf(message.getClass()) >= 0, "message type", message.getClass().getName(),
                    "registered in MessageTypes");
        }
    }

    private void complete(long correlation, Message response) {
        Pending p = pending.remove(correlation);
        if (p == null) {
            return; // timed out already
        }
        if (response instanceof Failure f) {
            p.future.completeExceptionally(f.toException());
        } else if (!p.responseType.isInstance(response)) {
            p.future.completeExceptionally(new KvorumException("expected " + p.responseType.getSimpleName()
                    + " but got " + response.getClass().getSimpleName()));
        } else {
            p.future.complete(response);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
