package io.kvorum.client;

import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.KvorumException;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.NodeId;
import io.kvorum.core.protocol.AdminMessages.ReplicaReadRequest;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.transport.TlsConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Java client of a Kvorum cluster: reads, writes and deletes of single keys, with the
 * consistency of each chosen per request, and the causal {@link Context} that keeps concurrent
 * writes from overwriting each other.
 *
 * <p>Usage: read, resolve, write back with the read's context.
 * <pre>{@code
 * try (KvorumClient kv = KvorumClient.connect("10.0.0.1:9100", "10.0.0.2:9100")) {
 *     GetResult cart = kv.get("cart:42");
 *     String merged = merge(cart.valuesAsStrings());          // one value, or siblings to merge
 *     kv.put("cart:42", merged, cart.context(), WriteOptions.quorum());
 * }
 * }</pre>
 * A write without a context ({@link #put(String, byte[])}) is blind: it supersedes nothing, so if
 * the key has a value the two become siblings, which the next reader sees and resolves. Nothing
 * is ever lost silently; that is the contract of a Dynamo-style store.
 *
 * <p><b>Routing.</b> On connect the client asks a seed for the ring and then sends each request
 * straight to the first replica of its key that is up and reachable, so that node coordinates it
 * without a forwarding hop. When a node cannot be reached the request goes on to the next replica
 * and then to any other node (every node accepts every request and forwards it); the ring is asked
 * again after such a failure and every {@link Builder#ringRefreshPeriod ring refresh period}. See
 * {@link RoutingTable} and {@link Router}.
 *
 * <p><b>Errors.</b> Operating errors arrive typed, whether the client or the cluster found them:
 * <ul>
 *   <li>{@link InvalidRequestException}: the request can never succeed as asked (r or w above n,
 *       n above the replication factor, an empty or oversized key or value). Checked before
 *       sending where the client can, so nothing is sent.
 *   <li>{@link UnavailableException}: too few replicas are up to try; nothing was written.
 *   <li>{@link RequestTimeoutException}: too few replicas answered in time. <em>A write that timed
 *       out may have been applied</em>, on some replicas or all: read the key to find out, and
 *       retry with the read's context, which is always safe.
 *   <li>{@link PeerUnavailableException}: no node could be reached at all.
 * </ul>
 * Asynchronous methods complete their future with these exceptions; synchronous ones throw them.
 * A null argument throws {@link NullPointerException}, a malformed one
 * {@link IllegalArgumentException}, and any call after {@link #close()}
 * {@link IllegalStateException}, immediately, from either kind.
 *
 * <p><b>Threads.</b> Thread-safe; one client per application is the intended use. Asynchronous
 * futures complete on the client's event loop threads: a callback there must not block (hand
 * blocking work to your own executor with the {@code ...Async(fn, executor)} methods of
 * {@link CompletableFuture}), and must not call the synchronous methods of this client. The
 * synchronous methods wait on the calling thread.
 */
public final class KvorumClient implements AutoCloseable {
    /** How much longer than a request's own deadline a synchronous call waits before it gives up (a backstop only). */
    private static final long SYNC_MARGIN_MS = 1_000;

    private final Connections connections;
    private final Router router;
    private final long requestTimeoutMs;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KvorumClient(Builder b, List<Address> seeds) {
        this.requestTimeoutMs = b.requestTimeoutMs;
        this.connections = new Connections(Clock.system(), b.clientName, b.user, b.password, b.connectTimeoutMs, b.tls,
                b.ioThreads);
        this.router = new Router(seeds, connections, Clock.system(), b.connectTimeoutMs + b.requestTimeoutMs);
    }

    /**
     * A client connected to the cluster through the first of {@code seeds} that answers, with
     * default settings.
     *
     * @param seeds client addresses of some nodes, as {@code host:port} (the port defaults to 9100)
     * @throws PeerUnavailableException when no seed can be reached
     */
    public static KvorumClient connect(String... seeds) {
        return builder().seeds(seeds).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------ reads

    /** Reads {@code key} (UTF-8) at R = QUORUM, with the client's request timeout. */
    public GetResult get(String key) {
        return get(key, defaultRead());
    }

    public GetResult get(String key, ReadOptions options) {
        return await(getAsync(key, options), options.timeoutMs());
    }

    public GetResult get(byte[] key, ReadOptions options) {
        return await(getAsync(key, options), options.timeoutMs());
    }

    public CompletableFuture<GetResult> getAsync(String key) {
        return getAsync(key, defaultRead());
    }

    public CompletableFuture<GetResult> getAsync(String key, ReadOptions options) {
        return getAsync(Key.of(Objects.requireNonNull(key, "key")), options);
    }

    public CompletableFuture<GetResult> getAsync(byte[] key, ReadOptions options) {
        return getAsync(Key.of(Objects.requireNonNull(key, "key")), options);
    }

    private CompletableFuture<GetResult> getAsync(Key key, ReadOptions options) {
        Objects.requireNonNull(options, "options");
        ensureOpen();
        try {
            checkKey(key);
            int rf = router.table().replicationFactor();
            if (rf > 0) {
                options.effectiveN(rf);
            }
        } catch (InvalidRequestException e) {
            return CompletableFuture.failedFuture(e);
        }
        return router.send(key, GetRequest.of(key, options), GetResponse.class, options.timeoutMs(),
                        "get of key '" + key + "'", false)
                .thenApply(response -> GetResult.of(key, response.records()));
    }

    /**
     * Exactly what {@code replica} stores of {@code key}, read there directly: no quorum, no read
     * repair, the replica's own records (siblings and tombstones' absence as it has them). For
     * debugging and experiments, to see what each replica holds; on a node with client users it
     * needs role admin.
     */
    public GetResult getFromReplica(String key, NodeId replica, Duration timeout) {
        Key k = Key.of(utf8(Objects.requireNonNull(key, "key")));
        Objects.requireNonNull(replica, "replica");
        ensureOpen();
        checkKey(k);
        return Router.join(router.send(k, new ReplicaReadRequest(k.toByteArray(), replica.value(), timeout.toMillis()),
                        GetResponse.class, timeout.toMillis(), "read of key '" + key + "' on replica " + replica, false)
                .thenApply(response -> GetResult.of(k, response.records())));
    }

    // ----------------------------------------------------------------------------------- writes

    /** A blind write of {@code value} at W = QUORUM: it becomes a sibling of any value the key has. */
    public Context put(String key, byte[] value) {
        return put(key, value, Context.empty(), defaultWrite());
    }

    /** A blind write of {@code value} as UTF-8 at W = QUORUM. */
    public Context put(String key, String value) {
        return put(key, utf8(value), Context.empty(), defaultWrite());
    }

    /**
     * Writes {@code value}, superseding what the read that returned {@code context} saw.
     *
     * @return the context of this write, to write the key again without reading it first
     * @throws RequestTimeoutException when too few replicas acknowledged in time; the write may
     *     still have been applied
     */
    public Context put(String key, byte[] value, Context context, WriteOptions options) {
        return await(putAsync(key, value, context, options), options.timeoutMs());
    }

    public Context put(String key, String value, Context context, WriteOptions options) {
        return put(key, utf8(value), context, options);
    }

    public Context put(byte[] key, byte[] value, Context context, WriteOptions options) {
        return await(putAsync(key, value, context, options), options.timeoutMs());
    }

    /** A blind write, asynchronously. */
    public CompletableFuture<Context> putAsync(String key, byte[] value) {
        return putAsync(key, value, Context.empty(), defaultWrite());
    }

    /** A blind write of UTF-8 text, asynchronously. */
    public CompletableFuture<Context> putAsync(String key, String value) {
        return putAsync(key, utf8(value), Context.empty(), defaultWrite());
    }

    public CompletableFuture<Context> putAsync(String key, String value, Context context, WriteOptions options) {
        return putAsync(key, utf8(value), context, options);
    }

    public CompletableFuture<Context> putAsync(String key, byte[] value, Context context, WriteOptions options) {
        return write(Key.of(Objects.requireNonNull(key, "key")), Objects.requireNonNull(value, "value"), context,
                options);
    }

    public CompletableFuture<Context> putAsync(byte[] key, byte[] value, Context context, WriteOptions options) {
        return write(Key.of(Objects.requireNonNull(key, "key")), Objects.requireNonNull(value, "value"), context,
                options);
    }

    /**
     * Deletes what the read that returned {@code context} saw, at W = QUORUM. With
     * {@link Context#empty()} it deletes nothing: the delete becomes a sibling of the values.
     *
     * @return the context of the delete (a read now finds nothing, and a write with this context replaces the delete)
     */
    public Context delete(String key, Context context) {
        return delete(key, context, defaultWrite());
    }

    /** As {@link #delete(String, Context)}, with the given consistency. A timed-out delete may have been applied. */
    public Context delete(String key, Context context, WriteOptions options) {
        return await(deleteAsync(key, context, options), options.timeoutMs());
    }

    public Context delete(byte[] key, Context context, WriteOptions options) {
        return await(deleteAsync(key, context, options), options.timeoutMs());
    }

    public CompletableFuture<Context> deleteAsync(String key, Context context, WriteOptions options) {
        return write(Key.of(Objects.requireNonNull(key, "key")), null, context, options);
    }

    public CompletableFuture<Context> deleteAsync(byte[] key, Context context, WriteOptions options) {
        return write(Key.of(Objects.requireNonNull(key, "key")), null, context, options);
    }

    /** A put, or a delete when {@code value} is null. */
    private CompletableFuture<Context> write(Key key, byte[] value, Context context, WriteOptions options) {
        Objects.requireNonNull(context, "context (Context.empty() for a blind write)");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        try {
            checkKey(key);
            int rf = router.table().replicationFactor();
            if (rf > 0) {
                options.effectiveN(rf);
            }
        } catch (InvalidRequestException e) {
            return CompletableFuture.failedFuture(e);
        }
        // Copied: the request is encoded later on an event loop, and a caller of the async methods
        // may reuse its array as soon as the call returns.
        PutRequest request = PutRequest.of(key, value == null ? null : value.clone(), context.bytes(), options);
        String what = (value == null ? "delete" : "put") + " of key '" + key + "'";
        return router.send(key, request, PutResponse.class, options.timeoutMs(), what, true)
                .thenApply(response -> Context.fromServer(response.context()));
    }

    // ------------------------------------------------------------------------------------- ring

    /**
     * Asks a node for the ring as the cluster sees it now (members, tokens, racks, who is up, the
     * replication factor), and routes by it from then on.
     */
    public RingResponse fetchRing() {
        return Router.join(fetchRingAsync()); // bounded: each node asked has its own timeout
    }

    public CompletableFuture<RingResponse> fetchRingAsync() {
        ensureOpen();
        return router.fetchRing();
    }

    /** The replication factor of the ring last learned. */
    public int replicationFactor() {
        return router.table().replicationFactor();
    }

    // ---------------------------------------------------------------------------------- helpers

    private ReadOptions defaultRead() {
        return ReadOptions.quorum().timeout(Duration.ofMillis(requestTimeoutMs));
    }

    private WriteOptions defaultWrite() {
        return WriteOptions.quorum().timeout(Duration.ofMillis(requestTimeoutMs));
    }

    private static void checkKey(Key key) {
        if (key.length() == 0) {
            throw new InvalidRequestException("key is empty (expected: at least 1 byte)");
        }
    }

    private static byte[] utf8(String value) {
        return Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the Kvorum client is closed");
        }
    }

    /**
     * Waits for an asynchronous call. Its future completes by its own deadline; this wait is a
     * backstop a little longer, so a sync call never hangs even if that deadline were lost.
     */
    private <T> T await(CompletableFuture<T> future, long timeoutMs) {
        long waitMs = timeoutMs + Router.RESPONSE_MARGIN_MS + SYNC_MARGIN_MS;
        try {
            return future.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw Router.rethrow(Router.unwrap(e));
        } catch (TimeoutException e) {
            throw new RequestTimeoutException("no answer within " + waitMs + " ms", 1, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvorumException("interrupted while waiting for Kvorum", e);
        }
    }

    /**
     * Closes every connection; requests still waiting fail with {@link PeerUnavailableException}.
     * Later calls throw {@link IllegalStateException}. Idempotent. Must not be called from a
     * callback running on the client's own threads.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            router.close();
            connections.close();
        }
    }

    /** Settings of a client; all have defaults but the seeds. */
    public static final class Builder {
        private final List<String> seeds = new ArrayList<>();
        private String clientName = "kvorum-java";
        private String user;
        private String password;
        private long requestTimeoutMs = ReadOptions.DEFAULT_TIMEOUT_MS;
        private long connectTimeoutMs = 1_000;
        private long ringRefreshPeriodMs = 30_000;
        private int ioThreads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        private TlsConfig tls;

        private Builder() {
        }

        /** Client addresses ({@code host:port}) of nodes to learn the ring from, tried in order. */
        public Builder seeds(String... addresses) {
            Objects.requireNonNull(addresses, "addresses");
            seeds.addAll(Arrays.asList(addresses));
            return this;
        }

        public Builder seeds(List<String> addresses) {
            seeds.addAll(Objects.requireNonNull(addresses, "addresses"));
            return this;
        }

        /** Names this client in the servers' logs. */
        public Builder clientName(String name) {
            Checks.require(name != null && !name.isBlank() && name.length() <= 256, "clientName", name,
                    "a non-blank name of at most 256 chars");
            this.clientName = name;
            return this;
        }

        /** Authenticates as {@code user}; the password is proven with an HMAC and never sent. */
        public Builder credentials(String user, String password) {
            Checks.require(user != null && !user.isEmpty(), "user", user, "a non-empty name");
            Checks.require(password != null && !password.isEmpty(), "password", "\"\"", "non-empty");
            this.user = user;
            this.password = password;
            return this;
        }

        /** The timeout of requests made without options (default 2 s); options carry their own. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeoutMs = Checks.requirePositive(timeout.toMillis(), "requestTimeout ms");
            return this;
        }

        /**
         * How long to wait for a node to accept a connection and finish the handshake (default
         * 1 s). Keep it well below request timeouts: a request to a node that silently vanished
         * fails over only after this much of its time.
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeoutMs = Checks.requirePositive(timeout.toMillis(), "connectTimeout ms");
            return this;
        }

        /** How often to ask for the ring even when routing works (default 30 s); zero never does. */
        public Builder ringRefreshPeriod(Duration period) {
            this.ringRefreshPeriodMs = Checks.requireNonNegative(period.toMillis(), "ringRefreshPeriod ms");
            return this;
        }

        /** Event loop threads shared by all of the client's connections (default 1 or 2). */
        public Builder ioThreads(int threads) {
            Checks.require(threads >= 1 && threads <= 64, "ioThreads", threads, "1..64");
            this.ioThreads = threads;
            return this;
        }

        /**
         * Talks to every node over TLS, for a cluster whose nodes have {@code client.tls.enabled}.
         * The configuration says which certificates to trust (default: the JDK's certificate
         * authorities) and whether to check that a node's certificate names the address the client
         * dials, as it should for production:
         * <pre>{@code
         * KvorumClient.builder().seeds("10.0.0.1:9100")
         *         .tls(TlsConfig.builder("tls").trustStore(Path.of("truststore.p12"), password)
         *                 .verifyHostname(true).build())
         *         .build();
         * }</pre>
         */
        public Builder tls(TlsConfig config) {
            this.tls = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Connects: asks the seeds in order for the ring. Blocks until one answers.
         *
         * @throws IllegalArgumentException when there is no seed or one is malformed
         * @throws PeerUnavailableException when no seed can be reached
         */
        public KvorumClient build() {
            Checks.require(!seeds.isEmpty(), "seeds", "none", "at least one host:port");
            List<Address> addresses = new ArrayList<>();
            for (String s : seeds) {
                Address a = Address.parse(Objects.requireNonNull(s, "seed"));
                if (!addresses.contains(a)) {
                    addresses.add(a);
                }
            }
            KvorumClient client = new KvorumClient(this, addresses);
            try {
                client.router.connect(ringRefreshPeriodMs);
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
            return client;
        }
    }
}
