package io.kvorum.transport;

import io.kvorum.core.Checks;
import io.kvorum.core.Failure;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.RateLimitedLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's end of the client protocol: listens on its own port, speaks the frame format of
 * {@link WireCodec}, and answers each client REQUEST through one {@link RequestHandler}.
 *
 * <p>Handshake: on accept the server sends HELLO ({@link ServerHello}: protocol version, server
 * name, a fresh challenge); the client's first frame must be HELLO ({@link ClientHello}: protocol
 * version, client name, and, when it has credentials, a user and an HMAC of the password over the
 * challenge, see {@link HandshakeProof#client}). When the server has credentials configured, an
 * unknown user or a wrong proof is answered with a FAILURE frame (correlation id 0, "authentication
 * failed ...") and the connection is closed; without credentials every client is accepted. After
 * that the client sends REQUEST frames, pipelined freely, and gets RESPONSE or FAILURE frames with
 * the same correlation ids, in completion order.
 *
 * <p>The same limits and the same reject-and-close treatment of garbage as the node bus: frames
 * above maxFrameBytes, unknown kinds or types, unreadable payloads and a first frame that is not
 * HELLO close that connection with one logged reason; other clients are unaffected. A connection
 * with {@code maxInflightRequests} unanswered requests stops reading until half are answered.
 *
 * <p>With {@link Builder#tls TLS} every connection is TLS first and the handshake above runs inside
 * it; a client that does not speak TLS is closed at the end of the handshake timeout, one that
 * fails the TLS handshake at once, each with a logged reason.
 *
 * <p>Threading: the handler runs on an event loop and must not block.
 */
public final class WireServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WireServer.class);
    private static final int MAX_CLIENT_NAME_CHARS = 256;
    /** Far more than clients need (a pool per application host), far fewer than a process's descriptors. */
    public static final int DEFAULT_MAX_CONNECTIONS = 4096;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 512;
    /** Ten minutes: longer than any pause between a pooled client's requests that a pool keeps open for. */
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 600_000;

    /** Answers one client request; its result (or failure) goes back to the client. Must not block. */
    @FunctionalInterface
    public interface RequestHandler {
        CompletionStage<? extends Message> onRequest(ClientInfo client, Message request);
    }

    /** Who sent a request: the names from its HELLO (user null without credentials) and its address. */
    public record ClientInfo(String clientName, String user, InetSocketAddress remoteAddress) {
    }

    private final String listenHost;
    private final int listenPort;
    private final String serverName;
    private final WireCodec codec;
    private final RequestHandler handler;
    private final Map<String, byte[]> passwords;
    private final long handshakeTimeoutMs;
    private final int maxInflightRequests;
    private final int outboundQueueLimit;
    private final long idleTimeoutMs;
    private final TlsConfig tls;
    private final ConnectionLimiter limiter;
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicLong idleClosed = new AtomicLong();
    private final EventLoopGroup group;
    private final ChannelGroup channels;
    private final AtomicLong flushes = new AtomicLong();
    private final RateLimitedLog warnings = RateLimitedLog.standard(log);
    private volatile Channel serverChannel;
    private volatile boolean closed;

    private WireServer(Builder b) {
        this.listenHost = b.listenHost;
        this.listenPort = b.listenPort;
        this.serverName = b.serverName;
        this.codec = new WireCodec(b.types, b.maxFrameBytes);
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.passwords = b.passwords;
        this.handshakeTimeoutMs = b.handshakeTimeoutMs;
        this.maxInflightRequests = b.maxInflightRequests;
        this.outboundQueueLimit = b.outboundQueueLimit;
        this.idleTimeoutMs = b.idleTimeoutMs;
        this.tls = b.tls;
        this.limiter = new ConnectionLimiter(b.maxConnections, b.maxConnectionsPerAddress);
        this.group = new NioEventLoopGroup(b.eventLoopThreads, new DefaultThreadFactory("kvorum-client-server", true));
        this.channels = new DefaultChannelGroup("kvorum-client-server", GlobalEventExecutor.INSTANCE);
    }

    public static Builder builder(MessageTypes types, RequestHandler handler) {
        return new Builder(types, handler);
    }

    public synchronized WireServer start() {
        if (serverChannel != null || closed) {
            throw new IllegalStateException("client server " + serverName + " was already started");
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        InetAddress remote = ch.remoteAddress().getAddress();
                        String refusal = limiter.tryAcquire(remote);
                        if (refusal != null) {
                            refusedConnections.incrementAndGet();
                            warnings.warn(serverName + " refused a connection from " + ch.remoteAddress() + ": "
                                    + refusal);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> limiter.release(remote));
                        channels.add(ch);
                        FrameDecoder decoder = new FrameDecoder(codec, warnings, "client server " + serverName);
                        ch.pipeline().addLast("idle", new IdleStateHandler(idleTimeoutMs, 0, 0, TimeUnit.MILLISECONDS));
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newServerHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast("frames", decoder).addLast("client", new Connection(decoder));
                    }
                });
        ChannelFuture bind = b.bind(listenHost, listenPort).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            closed = true;
            throw new KvorumException("client server " + serverName + " cannot listen on " + listenHost + ":"
                    + listenPort + ": " + WireCodec.firstLine(bind.cause()), bind.cause());
        }
        serverChannel = bind.channel();
        log.info("{} serving clients on {} ({}; {}; maxFrameBytes {})", serverName, serverChannel.localAddress(),
                tls == null ? "plaintext" : "TLS " + tls.describe(),
                passwords.isEmpty() ? "no credentials: every client is accepted" : passwords.size() + " users",
                codec.maxFrameBytes());
        return this;
    }

    /** Connections open now, handshake done or not. */
    public int openConnections() {
        return limiter.open();
    }

    /** Connections closed at accept because a connection limit was reached. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    /** Connections closed for sending nothing within the idle timeout. */
    public long idleClosedConnections() {
        return idleClosed.get();
    }

    public InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        if (ch == null) {
            throw new IllegalStateException("client server " + serverName + " is not started");
        }
        return (InetSocketAddress) ch.localAddress();
    }

    /** Closes the port and every client connection, and stops the event loops. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        log.info("{} stopped serving clients", serverName);
    }

    long flushCount() {
        return flushes.get();
    }

    /** One client connection: handshake, then requests to the handler and answers back. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final FrameDecoder decoder;
        private final byte[] nonce = HandshakeProof.nonce();
        private final OutboundQueue replies = new OutboundQueue(outboundQueueLimit, flushes);
        private final AtomicInteger inflight = new AtomicInteger();
        private volatile boolean readingPaused;
        private Channel channel;
        private ClientInfo client;
        private ScheduledFuture<?> handshakeTimer;

        Connection(FrameDecoder decoder) {
            this.decoder = decoder;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ServerHello hello = new ServerHello(WireCodec.PROTOCOL_VERSION, serverName, nonce);
            channel.writeAndFlush(codec.encode(channel.alloc(), FrameKind.HELLO, 0, hello), channel.voidPromise());
            handshakeTimer = ctx.executor().schedule(() -> decoder.reject(TlsConfig.handshakePending(channel)
                            ? "TLS handshake not completed within " + handshakeTimeoutMs + " ms (expected: a client"
                                    + " with TLS on; one without TLS waits silently for the server's HELLO)"
                            : "no client HELLO within " + handshakeTimeoutMs + " ms"),
                    handshakeTimeoutMs, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        /**
         * Closes a connection that sent nothing for the idle timeout and waits for no answer: idle
         * connections cost a descriptor each, and a real client reconnects on its next request.
         */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent && inflight.get() == 0) {
                log.debug("{} closes {}, idle for {} ms", serverName, ctx.channel().remoteAddress(), idleTimeoutMs);
                idleClosed.incrementAndGet();
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame f = (Frame) msg;
            if (client == null) {
                onHello(f);
            } else if (f.kind() == FrameKind.REQUEST) {
                onRequest(f);
            } else {
                decoder.reject(FrameKind.name(f.kind()) + " frame from a client (expected: REQUEST)");
            }
        }

        private void onHello(Frame f) {
            if (!(f.body() instanceof ClientHello h)) {
                decoder.reject("HELLO carries " + f.body().getClass().getSimpleName() + " (expected: a ClientHello;"
                        + " is a node connecting to the client port?)");
                return;
            }
            if (h.protocolVersion() != WireCodec.PROTOCOL_VERSION) {
                decoder.reject("client protocol version " + h.protocolVersion() + " (expected: "
                        + WireCodec.PROTOCOL_VERSION + ")");
                return;
            }
            if (h.clientName() == null || h.clientName().length() > MAX_CLIENT_NAME_CHARS || h.proof() == null) {
                decoder.reject("garbled client HELLO " + h);
                return;
            }
            if (!passwords.isEmpty()) {
                byte[] password = h.user() == null ? null : passwords.get(h.user());
                if (password == null || !HandshakeProof.matches(
                        HandshakeProof.client(password, h.clientName(), h.user(), nonce), h.proof())) {
                    String reason = "authentication failed for " + (h.user() == null ? "a client without credentials"
                            : "user '" + h.user() + "'");
                    Failure failure = new Failure(Failure.Kind.INVALID_REQUEST, reason, 0, 0);
                    channel.writeAndFlush(codec.encode(channel.alloc(), FrameKind.FAILURE, 0, failure),
                            channel.voidPromise());
                    decoder.reject(reason + " (client '" + h.clientName() + "')");
                    return;
                }
            }
            handshakeTimer.cancel(false);
            client = new ClientInfo(h.clientName(), h.user(), (InetSocketAddress) channel.remoteAddress());
            decoder.handshakeDone();
            replies.attach(channel);
            log.debug("{} accepted client {}", serverName, client);
        }

        private void onRequest(Frame f) {
            long id = f.correlationId();
            Message request = (Message) f.body();
            if (inflight.incrementAndGet() >= maxInflightRequests && !readingPaused) {
                readingPaused = true;
                channel.config().setAutoRead(false);
            }
            CompletionStage<? extends Message> stage;
            try {
                stage = handler.onRequest(client, request);
            } catch (Throwable t) {
                answer(id, null, Failure.of(t));
                return;
            }
            if (stage == null) {
                answer(id, null, new Failure(Failure.Kind.INTERNAL, "no response to " + request.getClass().getSimpleName(),
                        0, 0));
                return;
            }
            stage.whenComplete((r, t) -> {
                if (t != null) {
                    answer(id, null, Failure.of(NettyMessageBus.unwrap(t)));
                } else if (r == null) {
                    answer(id, null, new Failure(Failure.Kind.INTERNAL, "no response to "
                            + request.getClass().getSimpleName(), 0, 0));
                } else {
                    answer(id, r, null);
                }
            });
        }

        /** Any thread. */
        private void answer(long id, Message response, Failure failure) {
            ByteBuf frame;
            try {
                frame = response != null ? codec.encode(channel.alloc(), FrameKind.RESPONSE, id, response)
                        : codec.encode(channel.alloc(), FrameKind.FAILURE, id, failure);
            } catch (RuntimeException e) {
                frame = codec.encode(channel.alloc(), FrameKind.FAILURE, id, Failure.of(e));
            }
            if (!replies.offer(frame)) {
                frame.release();
                if (!replies.isClosed()) { // a closed connection's answers have nowhere to go
                    warnings.warn(serverName + " dropped an answer to client " + client + ": " + outboundQueueLimit
                            + " frames already queued");
                }
            }
            if (inflight.decrementAndGet() <= maxInflightRequests / 2 && readingPaused) {
                channel.eventLoop().execute(() -> {
                    if (readingPaused && inflight.get() <= maxInflightRequests / 2) {
                        readingPaused = false;
                        channel.config().setAutoRead(true);
                    }
                });
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                replies.drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (handshakeTimer != null) {
                handshakeTimer.cancel(false);
            }
            replies.close();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                ctx.close();
            } else {
                decoder.reject("unexpected " + WireCodec.firstLine(cause));
            }
        }
    }

    /** Settings of a client server; every one has a default except the message types and the handler. */
    public static final class Builder {
        private final MessageTypes types;
        private final RequestHandler handler;
        private String listenHost = "127.0.0.1";
        private int listenPort = 0;
        private String serverName = "kvorum";
        private Map<String, byte[]> passwords = Map.of();
        private int maxFrameBytes = WireCodec.DEFAULT_MAX_FRAME_BYTES;
        private long handshakeTimeoutMs = 5_000;
        private int maxInflightRequests = 1_024;
        private int outboundQueueLimit = 16_384;
        private int eventLoopThreads = BuilderChecks.defaultEventLoopThreads();
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private long idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
        private TlsConfig tls;

        private Builder(MessageTypes types, RequestHandler handler) {
            this.types = Objects.requireNonNull(types, "types");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        public Builder listen(String host, int port) {
            BuilderChecks.checkListen(host, port);
            this.listenHost = host;
            this.listenPort = port;
            return this;
        }

        /** Names this server in its HELLO and in log lines, e.g. "node 00000000000000ab". */
        public Builder serverName(String name) {
            Checks.require(name != null && !name.isBlank(), "serverName", name, "a non-blank name");
            this.serverName = name;
            return this;
        }

        /** Users and their passwords; empty (the default) accepts every client. */
        public Builder credentials(Map<String, String> userPasswords) {
            Map<String, byte[]> m = new HashMap<>();
            userPasswords.forEach((user, password) -> {
                Checks.require(user != null && !user.isEmpty(), "user", user, "a non-empty name");
                Checks.require(password != null && !password.isEmpty(), "password of " + user, "\"\"", "non-empty");
                m.put(user, password.getBytes(StandardCharsets.UTF_8));
            });
            this.passwords = Map.copyOf(m);
            return this;
        }

        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = BuilderChecks.checkMaxFrameBytes(bytes);
            return this;
        }

        public Builder handshakeTimeoutMs(long ms) {
            this.handshakeTimeoutMs = Checks.requirePositive(ms, "handshakeTimeoutMs");
            return this;
        }

        public Builder maxInflightRequests(int requests) {
            this.maxInflightRequests = Checks.requirePositive(requests, "maxInflightRequests");
            return this;
        }

        public Builder outboundQueueLimit(int frames) {
            this.outboundQueueLimit = Checks.requirePositive(frames, "outboundQueueLimit");
            return this;
        }

        /** The most connections open at once, and from one remote address; past either, one is closed at accept. */
        public Builder maxConnections(int total, int perAddress) {
            this.maxConnections = Checks.requirePositive(total, "maxConnections");
            this.maxConnectionsPerAddress = Checks.requirePositive(perAddress, "maxConnectionsPerAddress");
            return this;
        }

        /** A connection that sends nothing for this long is closed; the client reconnects when it next needs to. */
        public Builder idleTimeoutMs(long ms) {
            this.idleTimeoutMs = Checks.requirePositive(ms, "idleTimeoutMs");
            return this;
        }

        public Builder eventLoopThreads(int threads) {
            this.eventLoopThreads = Checks.requirePositive(threads, "eventLoopThreads");
            return this;
        }

        /**
         * Serves clients over TLS only (default: plaintext). The TLS handshake counts against the
         * handshake timeout, so a client without TLS, which waits for the server's HELLO, is closed
         * when it ends.
         */
        public Builder tls(TlsConfig config) {
            Objects.requireNonNull(config, "config");
            Checks.require(config.canServe(), "client port TLS " + config.name(), "no key",
                    "a keystore, or a certificate and private key, to serve with");
            this.tls = config;
            return this;
        }

        public WireServer build() {
            return new WireServer(this);
        }
    }
}
