package io.kvorum.transport;

import io.kvorum.core.Failure;
import io.kvorum.core.KvorumException;
import io.kvorum.core.NodeId;
import io.kvorum.core.RequestTimeoutException;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Requests sent and not yet answered, by correlation id. Each completes exactly once: with its
 * response (type-checked), with the peer's failure, with {@link RequestTimeoutException} when its
 * timer on the event loop fires first, or with whatever the connection's loss reports. Completion
 * by any path removes the entry and cancels the timer, so nothing lingers.
 */
final class PendingRequests {
    private final ConcurrentHashMap<Long, Pending<?>> byId = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();

    /**
     * One request in flight. {@code peer} is the node asked, and the only one whose answer counts;
     * null for a client's request to its server, whose address {@code destination} then names.
     */
    static final class Pending<R> {
        final long id;
        final NodeId peer;
        final Object destination;
        final Class<?> requestType;
        final Class<R> responseType;
        final CompletableFuture<R> future = new CompletableFuture<>();
        volatile ScheduledFuture<?> timer;

        Pending(long id, NodeId peer, Object destination, Class<?> requestType, Class<R> responseType) {
            this.id = id;
            this.peer = peer;
            this.destination = destination;
            this.requestType = requestType;
            this.responseType = responseType;
        }

        /** The request and where it went, for error messages: "GetRequest to node 00000000000000ab". */
        String what() {
            return requestType.getSimpleName() + " to " + (peer != null ? "node " + peer : "server " + destination);
        }

        void fail(Throwable t) {
            future.completeExceptionally(t);
        }
    }

    /**
     * Registers a request to {@code peer} (or, for a client, to the server at {@code destination})
     * and starts its timeout on {@code timer}.
     */
    <R> Pending<R> register(NodeId peer, Object destination, Class<?> requestType, Class<R> responseType,
            long timeoutMs, EventExecutor timer) {
        long id = nextId.incrementAndGet();
        Pending<R> p = new Pending<>(id, peer, destination, requestType, responseType);
        byId.put(id, p);
        p.future.whenComplete((r, t) -> {
            byId.remove(id, p);
            ScheduledFuture<?> f = p.timer;
            if (f != null) {
                f.cancel(false);
            }
        });
        ScheduledFuture<?> f = timer.schedule(() -> {
            p.future.completeExceptionally(
                    new RequestTimeoutException(p.what() + " timed out after " + timeoutMs + " ms", 1, 0));
        }, timeoutMs, TimeUnit.MILLISECONDS);
        p.timer = f;
        if (p.future.isDone()) {
            f.cancel(false);
        }
        return p;
    }

    /**
     * Completes request {@code id} with {@code body} as answered by {@code from}. A late or unknown
     * id, or an answer from another node than the one asked, is ignored: correlation ids are
     * sequential, and a peer must not be able to answer requests it was never sent.
     */
    void complete(long id, NodeId from, Object body) {
        Pending<?> p = byId.get(id);
        if (p != null && Objects.equals(p.peer, from)) {
            completeTyped(p, body);
        }
    }

    /** Completes request {@code id} with the exception {@code from} reported, as {@link #complete}. */
    void fail(long id, NodeId from, Failure failure) {
        Pending<?> p = byId.get(id);
        if (p != null && Objects.equals(p.peer, from)) {
            p.fail(failure.toException());
        }
    }

    /** Fails every request {@code which} selects, with the exception {@code error} makes for it. */
    void failAll(Predicate<Pending<?>> which, Function<Pending<?>, Throwable> error) {
        for (Pending<?> p : byId.values()) {
            if (which.test(p)) {
                p.fail(error.apply(p));
            }
        }
    }

    private static <R> void completeTyped(Pending<R> p, Object body) {
        if (p.responseType.isInstance(body)) {
            p.future.complete(p.responseType.cast(body));
        } else {
            p.fail(new KvorumException(p.what() + " was answered with " + body.getClass().getSimpleName()
                    + " (expected: " + p.responseType.getSimpleName() + ")"));
        }
    }
}
