package io.kvorum.coordinator;

import io.kvorum.core.Message;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.UnavailableException;
import io.kvorum.ring.Membership;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Hands a request this node cannot coordinate (it is not a replica of the key) to one that can.
 *
 * <p>It tries the key's replicas that are believed up, in preference order, and moves on to the next
 * only when one cannot be reached at all ({@link PeerUnavailableException}): a replica the
 * membership still thinks up may be gone, and a refused connection proves the request never
 * started there. Any other failure, a timeout above all, is the answer: the request may be running
 * on that replica, and starting it on another would run it twice.
 *
 * <p>A forwarded request is never forwarded again. The receiver coordinates it or refuses it: if its
 * ring disagrees with the sender's, a second hop could bounce the request between the two.
 */
final class Forwarder {
    private final NodeId self;
    private final MessageBus bus;
    private final Membership membership;
    private final Coordinator.Stats stats;

    Forwarder(NodeId self, MessageBus bus, Membership membership, Coordinator.Stats stats) {
        this.self = self;
        this.bus = bus;
        this.membership = membership;
        this.stats = stats;
    }

    /**
     * Sends {@code message} to the first of {@code replicas} that is up and answers.
     *
     * @param forwarded whether this node received the request by forwarding; then it is refused
     * @param what      {@code read} or {@code write}, for error messages
     */
    <R extends Message> CompletableFuture<R> forward(List<NodeId> replicas, boolean forwarded, Message message,
                                                  Class<R> responseType, long timeoutMs, String what) {
        if (forwarded) {
            // Our ring and the forwarder's disagree; a second hop could loop.
            return CompletableFuture.failedFuture(UnavailableException.of(what + " forwarded to " + self
                    + ", which is not a replica of its key in this node's ring", 1, 0));
        }
        List<NodeId> candidates = new ArrayList<>();
        for (NodeId replica : replicas) {
            if (membership.isUp(replica)) {
                candidates.add(replica);
            }
        }
        if (candidates.isEmpty()) {
            stats.unavailable.increment();
            return CompletableFuture.failedFuture(UnavailableException.of(
                    what + " needs a replica of its key to coordinate it", 1, 0));
        }
        stats.forwarded.increment();
        return forwardTo(candidates, 0, message, responseType, timeoutMs);
    }

    private <R extends Message> CompletableFuture<R> forwardTo(List<NodeId> candidates, int i, Message message,
                                                            Class<R> responseType, long timeoutMs) {
        return bus.request(candidates.get(i), message, responseType, timeoutMs)
                .handle((response, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(response);
                    }
                    Throwable cause = Futures.unwrap(error);
                    if (cause instanceof PeerUnavailableException && i + 1 < candidates.size()) {
                        return forwardTo(candidates, i + 1, message, responseType, timeoutMs);
                    }
                    return CompletableFuture.<R>failedFuture(cause);
                })
                .thenCompose(f -> f);
    }
}
