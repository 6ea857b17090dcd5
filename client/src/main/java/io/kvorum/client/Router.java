package io.kvorum.client;

import io.kvorum.core.Clock;
import io.kvorum.core.Key;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Message;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.protocol.RingRequest;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.transport.WireClient;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to the node the {@link RoutingTable} names first and fails over down its
 * list; keeps the table fresh by asking a node for the ring periodically and after a failure.
 *
 * <p>Only {@link PeerUnavailableException}, "that node could not be reached", moves a request on
 * to the next node: any node can coordinate any request, so another one will do. Every other
 * answer is the cluster's answer and goes back to the caller as it is; in particular a timeout is
 * never retried, since a write that timed out may have been applied. A write whose connection
 * dropped after it was sent may also have been applied, and its retry elsewhere then applies it
 * twice; in Kvorum's data model that costs a duplicate sibling of the same value, never a lost
 * write, which is why failover retries writes too (as Riak's clients do).
 *
 * <p>Each request has one deadline, its timeout plus {@link #RESPONSE_MARGIN_MS}, shared by every
 * attempt. The margin lets the coordinator's own timeout, which says how many replicas answered,
 * arrive before the client gives up with the less informative "no answer". Everything here runs
 * on the event loops without blocking; only {@link #connect} waits.
 */
final class Router implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvorumClient.class);

    /** How much longer than a request's timeout the client waits for the coordinator's answer. */
    static final long RESPONSE_MARGIN_MS = 500;
    /** The fewest milliseconds between two refreshes that routing failures ask for, so an outage does not cause a storm of them. */
    static final long MIN_FAILURE_REFRESH_INTERVAL_MS = 1_000;
    /** How many failed attempts an error message lists before it summarises. */
    private static final int MAX_LISTED_FAILURES = 4;

    private final List<Address> seeds;
    private final Connections connections;
    private final Clock clock;
    private final long ringTimeoutMs;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final AtomicBoolean refreshScheduled = new AtomicBoolean();
    private volatile RoutingTable table;
    private volatile long lastRefreshNanos;
    private volatile ScheduledFuture<?> periodicRefresh;

    Router(List<Address> seeds, Connections connections, Clock clock, long ringTimeoutMs) {
        this.seeds = List.copyOf(seeds);
        this.connections = connections;
        this.clock = clock;
        this.ringTimeoutMs = ringTimeoutMs;
        this.table = RoutingTable.seedsOnly(seeds);
    }

    /**
     * Asks the seeds, in order, for the ring and starts refreshing it every {@code refreshPeriodMs}
     * (0: never). Blocks the calling thread.
     *
     * @throws PeerUnavailableException when no seed answers
     */
    void connect(long refreshPeriodMs) {
        RingResponse ring = join(fetchRing());
        log.info("Connected to Kvorum cluster: {}", table);
        log.debug("ring of {} members from the seeds {}", ring.members().size(), seeds);
        if (refreshPeriodMs > 0) {
            periodicRefresh = connections.group().next().scheduleWithFixedDelay(this::refreshQuietly,
                    refreshPeriodMs, refreshPeriodMs, TimeUnit.MILLISECONDS);
        }
    }

    RoutingTable table() {
        return table;
    }

    /**
     * Asks the reachable members (then the seeds, then the rest) for the ring, one after another
     * until one answers, and routes by it from then on.
     */
    CompletableFuture<RingResponse> fetchRing() {
        CompletableFuture<RingResponse> result = new CompletableFuture<>();
        fetchRing(table.ringSources(connections::isUnreachable), 0, new ArrayList<>(), result);
        return result;
    }

    private void fetchRing(List<Address> sources, int i, List<String> failures, CompletableFuture<RingResponse> result) {
        if (i == sources.size()) {
            result.completeExceptionally(new PeerUnavailableException("cannot reach any Kvorum node to learn the ring: "
                    + summary(failures)));
            return;
        }
        Address source = sources.get(i);
        WireClient client = connections.client(source);
        if (client == null) {
            result.completeExceptionally(closed());
            return;
        }
        client.request(new RingRequest(), RingResponse.class, ringTimeoutMs).whenComplete((ring, error) -> {
            Throwable cause = error == null ? null : unwrap(error);
            if (cause == null) {
                try {
                    install(RoutingTable.of(ring, seeds));
                    connections.markReachable(source);
                    result.complete(ring);
                    return;
                } catch (IllegalArgumentException e) {
                    cause = new KvorumException("node " + source + " sent a malformed ring: " + e.getMessage(), e);
                }
            }
            if (connections.isClosed()) {
                result.completeExceptionally(closed());
                return;
            }
            // Unreachable, slow or broken (a malformed ring, an internal error): another node may
            // do. Any other answer, such as failed authentication, every node would give alike.
            boolean tryAnother = cause instanceof PeerUnavailableException || cause instanceof RequestTimeoutException
                    || cause.getClass() == KvorumException.class;
            if (!tryAnother) {
                result.completeExceptionally(cause);
                return;
            }
            if (cause instanceof PeerUnavailableException && !client.isConnected()) {
                connections.markUnreachable(source, firstLine(cause));
            }
            failures.add(source + " (" + firstLine(cause) + ")");
            fetchRing(sources, i + 1, failures, result);
        });
    }

    private void install(RoutingTable next) {
        RoutingTable previous = table;
        table = next;
        lastRefreshNanos = clock.nanoTime();
        if (!previous.ring().isEmpty() && !next.sameClusterAs(previous)) {
            log.info("Kvorum ring changed: {} (was {})", next, previous);
        }
        connections.retainOnly(next.knownAddresses());
    }

    /**
     * A refresh because routing just failed: now, or, when one ran less than
     * {@link #MIN_FAILURE_REFRESH_INTERVAL_MS} ago, once that interval is over. The failures of an
     * outage thus cost one refresh per interval, however many requests meet them.
     */
    void refreshSoon() {
        long waitMs = MIN_FAILURE_REFRESH_INTERVAL_MS
                - TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - lastRefreshNanos);
        if (waitMs <= 0) {
            refreshQuietly();
        } else if (!connections.isClosed() && refreshScheduled.compareAndSet(false, true)) {
            try {
                connections.group().next().schedule(() -> {
                    refreshScheduled.set(false);
                    refreshQuietly();
                }, waitMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                refreshScheduled.set(false); // closing
            }
        }
    }

    private void refreshQuietly() {
        if (connections.isClosed() || !refreshing.compareAndSet(false, true)) {
            return;
        }
        fetchRing().whenComplete((ring, error) -> {
            refreshing.set(false);
            lastRefreshNanos = clock.nanoTime();
            if (error != null && !connections.isClosed()) {
                log.warn("Could not refresh the Kvorum ring; routing by the last one known: {}", firstLine(unwrap(error)));
            }
        });
    }

    /**
     * Sends {@code request} about {@code key} to its first reachable node, failing over on
     * {@link PeerUnavailableException}, and completes with the answer or the cluster's error.
     *
     * @param what the request for messages: "get of key 'k'"
     * @param write whether a timeout may leave the request applied, which the error then says
     */
    <R extends Message> CompletableFuture<R> send(Key key, Message request, Class<R> responseType, long timeoutMs,
            String what, boolean write) {
        Attempts<R> attempts = new Attempts<>(table.candidates(key, connections::isUnreachable), request, responseType,
                timeoutMs + RESPONSE_MARGIN_MS, what, write);
        attempts.next(0);
        return attempts.result;
    }

    /** The tries of one request, one node after another, under one deadline. */
    private final class Attempts<R extends Message> {
        final CompletableFuture<R> result = new CompletableFuture<>();
        final List<Address> candidates;
        final Message request;
        final Class<R> responseType;
        final long budgetMs;
        final long startNanos = clock.nanoTime();
        final String what;
        final boolean write;
        /** Appended by the attempt callbacks, read by the deadline timer on another thread. */
        final List<String> failures = new CopyOnWriteArrayList<>();
        volatile Address current;

        Attempts(List<Address> candidates, Message request, Class<R> responseType, long budgetMs, String what,
                boolean write) {
            this.candidates = candidates;
            this.request = request;
            this.responseType = responseType;
            this.budgetMs = budgetMs;
            this.what = what;
            this.write = write;
            ScheduledFuture<?> deadline;
            try {
                deadline = connections.group().next().schedule(this::expire, budgetMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                result.completeExceptionally(closed()); // closed meanwhile: the event loops are stopping
                return;
            }
            result.whenComplete((r, t) -> deadline.cancel(false));
        }

        void next(int i) {
            if (result.isDone()) {
                return;
            }
            if (i == candidates.size()) {
                result.completeExceptionally(new PeerUnavailableException(what + " failed: no Kvorum node could be"
                        + " reached: " + summary(failures)));
                return;
            }
            Address address = candidates.get(i);
            WireClient client = connections.client(address);
            long remainingMs = budgetMs - TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startNanos);
            if (client == null) {
                result.completeExceptionally(closed());
                return;
            }
            if (remainingMs <= 0) {
                expire();
                return;
            }
            current = address;
            // The connection's own timer is a backstop; this request's deadline fires first.
            client.request(request, responseType, remainingMs + RESPONSE_MARGIN_MS).whenComplete((response, error) -> {
                if (error == null) {
                    connections.markReachable(address);
                    result.complete(response);
                    return;
                }
                Throwable cause = unwrap(error);
                if (connections.isClosed()) {
                    result.completeExceptionally(closed());
                    return;
                }
                if (!(cause instanceof PeerUnavailableException)) {
                    result.completeExceptionally(cause);
                    return;
                }
                // A server that answered "peer unavailable" (it could not forward) is itself fine.
                if (!client.isConnected()) {
                    connections.markUnreachable(address, firstLine(cause));
                    refreshSoon();
                }
                failures.add(address + " (" + firstLine(cause) + ")");
                next(i + 1);
            });
        }

        void expire() {
            Address at = current;
            result.completeExceptionally(new RequestTimeoutException(what + " got no answer"
                    + (at == null ? "" : " from " + at) + " within " + budgetMs + " ms"
                    + (failures.isEmpty() ? "" : " (after failing over from " + summary(failures) + ")")
                    + (write ? "; the write may still have been applied" : ""), 1, 0));
        }
    }

    private static String summary(List<String> failures) {
        if (failures.isEmpty()) {
            return "no node to try";
        }
        if (failures.size() <= MAX_LISTED_FAILURES) {
            return String.join("; ", failures);
        }
        return String.join("; ", failures.subList(0, MAX_LISTED_FAILURES)) + "; and "
                + (failures.size() - MAX_LISTED_FAILURES) + " more";
    }

    static PeerUnavailableException closed() {
        return new PeerUnavailableException("the Kvorum client is closed");
    }

    /** The cause a future failed with, without the CompletionException around it. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Waits for a future with its own deadline, rethrowing its failure as the caller would see it from a sync call. */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw rethrow(unwrap(e));
        }
    }

    static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new KvorumException(firstLine(cause), cause);
    }

    @Override
    public void close() {
        ScheduledFuture<?> p = periodicRefresh;
        if (p != null) {
            p.cancel(false);
        }
    }
}
