package io.kvorum.core;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How a node talks to other nodes: the one seam through which protocol code reaches the network.
 *
 * <p>Netty implements it for real ({@code transport}); an in-memory implementation with seeded
 * delay, loss, duplication, reordering and partitions implements it for simulation (module
 * {@code sim}), so the same coordinator, gossip and repair code runs in both. A message to {@link #self()} is delivered
 * locally, through the same handler, so protocol code never special-cases its own node.
 *
 * <p>Thread-safe. Handlers run on the bus's threads and must not block: storage and other slow
 * work goes to an executor, and the handler returns a future.
 */
public interface MessageBus {

    /** This node. */
    NodeId self();

    /** Where this node listens for other nodes. */
    InetSocketAddress localAddress();

    /**
     * Connects to whatever node listens at {@code address} and returns its id, learning its address
     * on the way. How a node first reaches seeds and configured peers, known by address only.
     */
    CompletableFuture<NodeId> identify(InetSocketAddress address, long timeoutMs);

    /** Tells the bus where {@code node} listens (learned from membership), for later sends. */
    void setAddress(NodeId node, InetSocketAddress address);

    /**
     * Sends a one-way message. Best effort: it may be lost (peer down, link fault) without notice;
     * protocols that need to know use {@link #request}.
     */
    void send(NodeId to, Message message);

    /**
     * Sends a request and completes with the response, or exceptionally with
     * {@link RequestTimeoutException} (no answer within {@code timeoutMs}),
     * {@link PeerUnavailableException} (no connection to the peer), or the
     * {@link KvorumException} the peer's handler failed with.
     */
    <R extends Message> CompletableFuture<R> request(NodeId to, Message request, Class<R> responseType, long timeoutMs);

    /** Registers the handler for messages of {@code type}: one per type, before the bus starts. */
    <M extends Message> void handle(Class<M> type, Handler<? super M> handler);

    /** Handles one type of message. */
    @FunctionalInterface
    interface Handler<M extends Message> {
        /**
         * Returns the response to a request (it may complete later), or null for a one-way message.
         * Throwing, or completing exceptionally, with a {@link KvorumException} answers the requester
         * with that error; any other failure answers with an internal error.
         */
        CompletionStage<? extends Message> onMessage(NodeId from, M message);
    }
}
