package io.kvorum.transport;

import io.kvorum.core.Checks;
import io.kvorum.core.Failure;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RateLimitedLog;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's connection to one node's {@link WireServer}: the handshake, pipelined requests with
 * correlation ids and timeouts, and reconnection on demand.
 *
 * <p>The first request opens the connection, and requests sent while it opens wait in the bounded
 * queue. When the connection fails or drops, the requests waiting on it fail with
 * {@link PeerUnavailableException} (or with the server's reason, such as failed authentication),
 * and the next request opens a new one. There is no background reconnection: a client talks to
 * several nodes and routes around one that is down, so retrying is its decision.
 *
 * <p>With {@link Builder#tls TLS} the connection is TLS first, and a server that does not speak it,
 * or whose certificate is not trusted, fails the connection with a reason saying so.
 *
 * <p>Several clients (one per node) can share one event loop group; a client given none makes a
 * one-thread group of its own and stops it on {@link #close()}. Thread-safe.
 */
public final class WireClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WireClient.class);

    private final InetSocketAddress server;
    private final String clientName;
    private final ClientCredentials credentials;
    private final WireCodec codec;
    private final long connectTimeoutMs;
    private final int outboundQueueLimit;
    private final TlsConfig tls;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Bootstrap bootstrap;
    private final PendingRequests pending = new PendingRequests();
    private final AtomicLong flushes = new AtomicLong();
    private final RateLimitedLog warnings = RateLimitedLog.standard(log);
    private Connection connection;
    private boolean closed;

    private WireClient(Builder b) {
        this.server = b.server;
        this.clientName = b.clientName;
        this.credentials = b.credentials;
        this.codec = new WireCodec(b.types, b.maxFrameBytes);
        this.connectTimeoutMs = b.connectTimeoutMs;
        this.outboundQueueLimit = b.outboundQueueLimit;
        this.tls = b.tls;
        this.ownsGroup = b.group == null;
        this.group = ownsGroup ? new NioEventLoopGroup(1, new DefaultThreadFactory("kvorum-client", true)) : b.group;
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20));
    }

    public static Builder builder(InetSocketAddress server, MessageTypes types) {
        return new Builder(server, types);
    }

    public InetSocketAddress server() {
        return server;
    }

    /**
     * Sends {@code request} and completes with the server's response of type {@code responseType},
     * or exceptionally: {@link io.kvorum.core.RequestTimeoutException} after {@code timeoutMs},
     * {@link PeerUnavailableException} when the server cannot be reached or the connection drops
     * (or this client's queue is full), or the typed exception the server answered with.
     */
    public <R extends Message> CompletableFuture<R> request(Message request, Class<R> responseType, long timeoutMs) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(responseType, "responseType");
        Checks.require(codec.isRegistered(request), "message type", request.getClass().getName(),
                "registered in MessageTypes");
        Checks.requirePositive(timeoutMs, "timeoutMs");
        Connection c = connection();
        if (c == null) {
            return CompletableFuture.failedFuture(new PeerUnavailableException(
                    request.getClass().getSimpleName() + " to server " + server + " failed: the client is closed"));
        }
        PendingRequests.Pending<R> p = pending.register(null, c, request.getClass(), responseType, timeoutMs, c.loop);
        ByteBuf frame;
        try {
            frame = codec.encode(ByteBufAllocator.DEFAULT, FrameKind.REQUEST, p.id, request);
        } catch (RuntimeException e) {
            p.fail(e);
            return p.future;
        }
        if (!c.queue.offer(frame)) {
            frame.release();
            // A closed queue belongs to a failed connection: its reason (say, failed authentication)
            // is the request's too.
            p.fail(c.failure != null ? c.failure : new PeerUnavailableException(p.what() + " failed: "
                    + (c.queue.isClosed() ? "the connection to server " + server + " closed"
                    : outboundQueueLimit + " requests already wait to be sent (outboundQueueLimit)")));
        } else if (c.failure != null) {
            p.fail(c.failure);
        }
        return p.future;
    }

    /** True while a connection is open and past its handshake. */
    public boolean isConnected() {
        Connection c;
        synchronized (this) {
            c = connection;
        }
        return c != null && c.ready && c.failure == null;
    }

    /** Fails every waiting request, closes the connection and, if this client made it, its event loop. */
    @Override
    public void close() {
        Connection c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            c = connection;
            connection = null;
        }
        if (c != null) {
            c.fail(new PeerUnavailableException("the client closed"));
            c.channel.close().awaitUninterruptibly();
        }
        pending.failAll(p -> true, p -> new PeerUnavailableException(p.what() + " failed: the client closed"));
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    long flushCount() {
        return flushes.get();
    }

    /** The live connection, or a new one when there is none or it failed; null once closed. */
    private synchronized Connection connection() {
        if (closed) {
            return null;
        }
        if (connection == null || connection.failure != null) {
            connection = new Connection();
        }
        return connection;
    }

    /**
     * One TCP connection to the server; replaced by a new one once it fails. Its handler methods run
     * on the event loop and may start before the constructor has returned, so they use the context's
     * channel, never the field.
     */
    private final class Connection extends ChannelInboundHandlerAdapter {
        final EventLoop loop = group.next();
        final OutboundQueue queue = new OutboundQueue(outboundQueueLimit, flushes);
        final Channel channel;
        volatile KvorumException failure;
        volatile boolean ready;
        /** The server's nonce while this client waits for its AuthChallenge; null otherwise. */
        private byte[] challengedNonce;
        private FrameDecoder decoder;
        private ScheduledFuture<?> handshakeTimer;

        Connection() {
            Bootstrap b = bootstrap.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    decoder = new FrameDecoder(codec, warnings, "client " + clientName);
                    if (tls != null) {
                        ch.pipeline().addLast("tls", tls.newClientHandler(ch.alloc(), server));
                    }
                    ch.pipeline().addLast("frames", decoder).addLast("client", Connection.this);
                }
            });
            ChannelFuture f = b.connect(server);
            channel = f.channel();
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    fail(new PeerUnavailableException("cannot connect to server " + server + ": "
                            + WireCodec.firstLine(done.cause())));
                }
            });
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handshakeTimer = ctx.executor().schedule(() -> {
                fail(new PeerUnavailableException("server " + server + (TlsConfig.handshakePending(ctx.channel())
                        ? " did not complete the TLS handshake within " + connectTimeoutMs + " ms (is TLS on at the"
                                + " server?)"
                        : " did not complete the handshake within " + connectTimeoutMs + " ms" + (tls != null ? ""
                                : " (a server with TLS on waits silently for a TLS handshake: connect with TLS)"))));
                ctx.close();
            }, connectTimeoutMs, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame f = (Frame) msg;
            if (!ready && challengedNonce == null) {
                onServerHello(ctx.channel(), f);
                return;
            }
            if (!ready) {
                onChallenge(ctx.channel(), f);
                return;
            }
            switch (f.kind()) {
                case FrameKind.RESPONSE -> pending.complete(f.correlationId(), null, f.body());
                case FrameKind.FAILURE -> {
                    Failure failure = (Failure) f.body();
                    if (f.correlationId() == 0) {
                        // The server's reason for closing this connection, such as failed authentication.
                        fail(failure.toException());
                    } else {
                        pending.fail(f.correlationId(), null, failure);
                    }
                }
                default -> decoder.reject(FrameKind.name(f.kind()) + " frame from the server (expected: RESPONSE or"
                        + " FAILURE)");
            }
        }

        private void onServerHello(Channel ch, Frame f) {
            if (!(f.body() instanceof ServerHello h) || h.nonce() == null
                    || h.nonce().length != HandshakeProof.NONCE_BYTES) {
                decoder.reject("HELLO " + f.body() + " is not a server hello (expected: the client port of a node)");
                return;
            }
            if (h.protocolVersion() != WireCodec.PROTOCOL_VERSION) {
                decoder.reject("server protocol version " + h.protocolVersion() + " (expected: "
                        + WireCodec.PROTOCOL_VERSION + ")");
                return;
            }
            String user = credentials == null ? null : credentials.user();
            ClientHello hello = new ClientHello(WireCodec.PROTOCOL_VERSION, clientName, user);
            ch.writeAndFlush(codec.encode(ch.alloc(), FrameKind.HELLO, 0, hello), ch.voidPromise());
            if (h.authRequired() && credentials != null) {
                challengedNonce = h.nonce();
                return;
            }
            // Without credentials a server that requires them answers with a FAILURE frame, which
            // fails this connection and the requests queued on it.
            becomeReady(ch, h.serverName());
        }

        /**
         * Answers the server's AuthChallenge with a proof, once the ClientKey for its salt is derived
         * (cached after the first connection, see {@link ClientCredentials}), then lets requests go.
         * The handshake timer stops here: the server has answered, and what remains is local work.
         */
        private void onChallenge(Channel ch, Frame f) {
            if (!(f.body() instanceof AuthChallenge c) || c.salt() == null) {
                decoder.reject("HELLO " + f.body() + " is not an AuthChallenge (expected: the server's answer to"
                        + " user " + credentials.user() + ")");
                return;
            }
            handshakeTimer.cancel(false);
            byte[] serverNonce = challengedNonce;
            challengedNonce = null;
            CompletableFuture<byte[]> key;
            try {
                key = credentials.clientKey(c.salt(), c.iterations());
            } catch (IllegalArgumentException e) {
                fail(new KvorumException("server " + server + " asks user " + credentials.user()
                        + " for an unacceptable challenge: " + e.getMessage()));
                decoder.reject("unacceptable AuthChallenge: " + e.getMessage());
                return;
            }
            key.whenComplete((clientKey, e) -> ch.eventLoop().execute(() -> {
                if (e != null) {
                    fail(new KvorumException("deriving the key of user " + credentials.user() + " failed: "
                            + WireCodec.firstLine(e)));
                    ch.close();
                    return;
                }
                if (failure != null || !ch.isActive()) {
                    return;
                }
                byte[] authMessage = Scram.authMessage(serverNonce, clientName, credentials.user(), c.salt(),
                        c.iterations());
                ClientProof proof = new ClientProof(Scram.proof(clientKey, authMessage));
                ch.writeAndFlush(codec.encode(ch.alloc(), FrameKind.HELLO, 0, proof), ch.voidPromise());
                becomeReady(ch, server.toString());
            }));
        }

        private void becomeReady(Channel ch, String serverName) {
            handshakeTimer.cancel(false);
            decoder.handshakeDone();
            ready = true;
            queue.attach(ch);
            log.debug("client {} connected to {} ({})", clientName, server, serverName);
        }

        /** Marks the connection failed and fails its requests with {@code e}; the first reason wins. */
        void fail(KvorumException e) {
            if (failure == null) {
                failure = e;
            }
            pending.failAll(p -> p.destination == this, p -> failure);
            loop.execute(() -> queue.close(loop));
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                queue.drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (handshakeTimer != null) {
                handshakeTimer.cancel(false);
            }
            String reason = decoder.rejectReason() != null ? "rejected: " + decoder.rejectReason()
                    : ready ? "connection closed by the server"
                    : "the server closed the connection during the handshake" + (tls != null ? ""
                            : " (a server with TLS on closes a client that does not start TLS: connect with TLS)");
            fail(new PeerUnavailableException("connection to server " + server + " lost: " + reason));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                fail(new PeerUnavailableException("connection to server " + server + " failed: "
                        + WireCodec.firstLine(cause)));
                ctx.close();
            } else {
                decoder.reject("unexpected " + WireCodec.firstLine(cause));
            }
        }

        @Override
        public String toString() {
            return server.toString();
        }
    }

    /** Settings of a client; every one has a default except the server and the message types. */
    public static final class Builder {
        private final InetSocketAddress server;
        private final MessageTypes types;
        private String clientName = "kvorum-client";
        private ClientCredentials credentials;
        private int maxFrameBytes = WireCodec.DEFAULT_MAX_FRAME_BYTES;
        private long connectTimeoutMs = 5_000;
        private int outboundQueueLimit = 16_384;
        private EventLoopGroup group;
        private TlsConfig tls;

        private Builder(InetSocketAddress server, MessageTypes types) {
            this.server = Objects.requireNonNull(server, "server");
            this.types = Objects.requireNonNull(types, "types");
        }

        /** Names this client in the server's logs. */
        public Builder clientName(String name) {
            Checks.require(name != null && !name.isBlank() && name.length() <= 256, "clientName", name,
                    "a non-blank name of at most 256 chars");
            this.clientName = name;
            return this;
        }

        /** The user and password to authenticate with; the password itself is never sent. */
        public Builder credentials(String user, String password) {
            return credentials(new ClientCredentials(user, password));
        }

        /**
         * Credentials shared with other clients, so that the key derived from the password is
         * derived once for all of them (see {@link ClientCredentials}).
         */
        public Builder credentials(ClientCredentials credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = BuilderChecks.checkMaxFrameBytes(bytes);
            return this;
        }

        /** Bounds both the TCP connect and the handshake. */
        public Builder connectTimeoutMs(long ms) {
            this.connectTimeoutMs = Checks.requirePositive(ms, "connectTimeoutMs");
            return this;
        }

        public Builder outboundQueueLimit(int requests) {
            this.outboundQueueLimit = Checks.requirePositive(requests, "outboundQueueLimit");
            return this;
        }

        /** An event loop group to share with other clients; the client will not shut it down. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * Connects over TLS (default: plaintext), checking the server's certificate against the
         * configuration's trust; the TLS handshake counts against the connect timeout.
         */
        public Builder tls(TlsConfig config) {
            this.tls = Objects.requireNonNull(config, "config");
            return this;
        }

        public WireClient build() {
            return new WireClient(this);
        }
    }
}
