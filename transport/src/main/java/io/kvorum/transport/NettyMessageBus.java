package io.kvorum.transport;

import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.Failure;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Message;
import io.kvorum.core.MessageBus;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RandomSource;
import io.kvorum.core.RateLimitedLog;
import io.kvorum.core.RequestTimeoutException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MessageBus} between real nodes: TCP connections through Netty, frames of the format
 * in {@link WireCodec}, an authenticated handshake, and injectable {@link LinkFaults}.
 *
 * <p>Connections. A node keeps one outbound connection per peer ({@link PeerLink}), opened on first
 * use and re-opened with capped exponential backoff when it drops; its requests and one-way
 * messages go out on it and the answers come back on it. Peers' outbound connections arrive as
 * inbound ones, on which this node answers. Outbound connections bind to the listen host (port
 * 0), so a firewall rule on a 127.0.0.x address cuts every link of the node using it, as a real
 * partition would, even when a whole cluster runs on one machine.
 *
 * <p>Sending. Each message is encoded on the caller's thread and queued on the connection; a drain
 * on the event loop writes everything queued and flushes once ({@link OutboundQueue}). Queues are
 * bounded ({@code outboundQueueLimit} frames per connection): past it a request fails at once with
 * {@link PeerUnavailableException} ("overloaded"), so a slow peer costs bounded memory. Messages
 * sent while the first connection to a peer is being opened wait in that queue (for at most
 * {@code connectTimeoutMs}, which bounds connect and handshake). While a peer is unreachable,
 * requests fail fast with {@link PeerUnavailableException} and one-way messages are dropped.
 * Encoding errors are the caller's: {@link #send} throws them, {@link #request} fails its future
 * with them (a message above {@code maxFrameBytes} with
 * {@link io.kvorum.core.SizeLimitExceededException}).
 *
 * <p>Handshake (see {@link Hello}, {@link HandshakeProof}): both ends send a HELLO with the cluster
 * name, protocol version, node id, listen address and a fresh challenge, then a second HELLO with
 * an HMAC-SHA256 proof of the shared secret over the other's challenge. A wrong cluster name, a
 * failed or missing proof, or a garbled HELLO closes the connection with one logged reason naming
 * the remote address. A node learns the listen address of a peer it has no address for from the
 * peer's HELLO, so it can send to nodes it was never told about.
 *
 * <p>TLS (optional, see {@link Builder#tls}) wraps every connection below the handshake: a peer
 * that does not speak TLS, or whose certificate this node does not trust, is closed with one
 * logged reason, as one with a wrong secret is.
 *
 * <p>Requests carry a correlation id, time out on an event-loop timer with
 * {@link RequestTimeoutException}, and complete with the response if it is of the expected type;
 * a FAILURE answer completes them with {@link Failure#toException()}, so an
 * {@link io.kvorum.core.UnavailableException} thrown by the peer's handler arrives as one, counts
 * included. Messages to {@link #self()} take the same handlers, asynchronously on an event loop,
 * and their errors are mapped the same way.
 *
 * <p>Threading: thread-safe. Handlers run on Netty event loops and must not block; storage or other
 * slow work goes to an executor and the handler returns its future. A blocked handler stalls every
 * connection that shares its loop.
 */
public final class NettyMessageBus implements MessageBus, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NettyMessageBus.class);
    /** Frames delayed by a link fault wait in unpooled heap memory, so a bus closed meanwhile leaks nothing. */
    private static final ByteBufAllocator DELAYED_ALLOC = new UnpooledByteBufAllocator(false, true);
    private static final int WRITE_BUFFER_LOW_BYTES = 256 << 10;
    private static final int WRITE_BUFFER_HIGH_BYTES = 1 << 20;

    private enum State { NEW, RUNNING, CLOSED }

    private final NodeId self;
    private final String listenHost;
    private final int listenPort;
    private final String clusterName;
    private final byte[] secret;
    private final WireCodec codec;
    private final long connectTimeoutMs;
    private final long minBackoffMs;
    private final Clock clock;
    private final RandomSource random;
    private final long maxBackoffMs;
    private final int outboundQueueLimit;
    private final int maxInflightRequests;
    private final TlsConfig tls;
    private final EventLoopGroup group;
    /** Messages to self all go through one loop, so that they keep their order as a link would. */
    private final EventLoop selfLoop;
    private final ChannelGroup channels;
    private final LinkFaults faults = new LinkFaults();
    private final Map<Class<?>, Handler<Message>> handlers = new ConcurrentHashMap<>();
    private final Map<NodeId, PeerLink> peers = new ConcurrentHashMap<>();
    private final PendingRequests pending = new PendingRequests();
    private final AtomicLong flushes = new AtomicLong();
    private final RateLimitedLog warnings = RateLimitedLog.standard(log);
    private final ConnectionLimiter inboundLimiter;
    private final AtomicLong refusedInbound = new AtomicLong();
    private volatile State state = State.NEW;
    private volatile Channel serverChannel;
    private volatile InetSocketAddress boundAddress;
    private Bootstrap bootstrap;

    private NettyMessageBus(Builder b) {
        this.self = b.self;
        this.listenHost = b.listenHost;
        this.listenPort = b.listenPort;
        this.clusterName = b.clusterName;
        this.secret = b.sharedSecret == null ? null : b.sharedSecret.getBytes(StandardCharsets.UTF_8);
        this.codec = new WireCodec(b.types, b.maxFrameBytes);
        this.connectTimeoutMs = b.connectTimeoutMs;
        this.minBackoffMs = b.minBackoffMs;
        this.clock = b.clock;
        this.random = b.random != null ? b.random : RandomSource.fromEntropy();
        this.maxBackoffMs = b.maxBackoffMs;
        this.outboundQueueLimit = b.outboundQueueLimit;
        this.maxInflightRequests = b.maxInflightRequests;
        this.tls = b.tls;
        this.inboundLimiter = new ConnectionLimiter(b.maxInboundConnections, b.maxInboundConnectionsPerAddress);
        this.group = new NioEventLoopGroup(b.eventLoopThreads, new DefaultThreadFactory("kvorum-bus-" + self, true));
        this.selfLoop = group.next();
        this.channels = new DefaultChannelGroup("kvorum-bus-" + self, GlobalEventExecutor.INSTANCE);
    }

    public static Builder builder(NodeId self, MessageTypes types) {
        return new Builder(self, types);
    }

    /** Binds the listen address; after this, peers can connect and messages can be sent. */
    public NettyMessageBus start() {
        synchronized (this) {
            if (state != State.NEW) {
                throw new IllegalStateException("bus of node " + self + " is " + state + " (expected: NEW)");
            }
            ServerBootstrap server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(WRITE_BUFFER_LOW_BYTES, WRITE_BUFFER_HIGH_BYTES))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            InetAddress remote = ch.remoteAddress().getAddress();
                            String refusal = inboundLimiter.tryAcquire(remote);
                            if (refusal != null) {
                                refusedInbound.incrementAndGet();
                                warnings.warn("node " + self + " refused a connection from " + ch.remoteAddress()
                                        + ": " + refusal);
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(f -> inboundLimiter.release(remote));
                            channels.add(ch);
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.newServerHandler(ch.alloc()));
                            }
                            FrameDecoder decoder = newDecoder();
                            ch.pipeline().addLast("frames", decoder).addLast("node", NodeChannel.accepted(
                                    NettyMessageBus.this, decoder));
                        }
                    });
            ChannelFuture bind = server.bind(listenHost, listenPort).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                state = State.CLOSED;
                throw new KvorumException("node " + self + " cannot listen on " + listenHost + ":" + listenPort + ": "
                        + WireCodec.firstLine(bind.cause()), bind.cause());
            }
            serverChannel = bind.channel();
            boundAddress = (InetSocketAddress) serverChannel.localAddress();
            bootstrap = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(WRITE_BUFFER_LOW_BYTES, WRITE_BUFFER_HIGH_BYTES));
            state = State.RUNNING;
        }
        log.info("node {} listening on {} for cluster '{}' ({}; {}; maxFrameBytes {}, connectTimeoutMs {}, backoff {}..{}"
                        + " ms, outboundQueueLimit {}, {} handlers)", self, boundAddress, clusterName,
                tls == null ? "plaintext" : "TLS " + tls.describe(),
                secret == null ? "no shared secret: peers are not authenticated" : "peers authenticated by shared secret",
                codec.maxFrameBytes(), connectTimeoutMs, minBackoffMs, maxBackoffMs, outboundQueueLimit,
                handlers.size());
        return this;
    }

    /**
     * Stops: closes every connection, fails every request still waiting with
     * {@link PeerUnavailableException}, and shuts the event loops down. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        for (PeerLink link : peers.values()) {
            link.close();
        }
        channels.close().awaitUninterruptibly();
        pending.failAll(p -> true, p -> new PeerUnavailableException(
                p.what() + " failed: the bus of node " + self + " closed before it was answered"));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        log.info("node {} stopped its bus on {}", self, boundAddress);
    }

    @Override
    public NodeId self() {
        return self;
    }

    /** The bound address once started (with the real port when 0 was asked for). */
    @Override
    public InetSocketAddress localAddress() {
        InetSocketAddress a = boundAddress;
        if (a == null) {
            throw new IllegalStateException("bus of node " + self + " is not started");
        }
        return a;
    }

    /** The fault filter consulted for every message to and from a peer. */
    public LinkFaults faults() {
        return faults;
    }

    @Override
    public <M extends Message> void handle(Class<M> type, Handler<? super M> handler) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(handler, "handler");
        Checks.require(codec.types().idOf(type) >= 0, "message type", type.getName(), "registered in MessageTypes");
        if (state != State.NEW) {
            throw new IllegalStateException("handler for " + type.getSimpleName() + " registered on a bus that is "
                    + state + " (expected: register every handler before start)");
        }
        @SuppressWarnings("unchecked")
        Handler<Message> h = (Handler<Message>) handler;
        if (handlers.putIfAbsent(type, h) != null) {
            throw new IllegalStateException("message type " + type.getName() + " already has a handler (expected: one)");
        }
    }

    @Override
    public void setAddress(NodeId node, InetSocketAddress address) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(address, "address");
        if (node.equals(self)) {
            return;
        }
        PeerLink existing = peers.get(node);
        if (existing == null) {
            existing = peers.putIfAbsent(node, new PeerLink(this, node, address, group.next(), newOutboundQueue()));
        }
        if (existing != null) {
            existing.setAddress(address);
        }
    }

    @Override
    public CompletableFuture<NodeId> identify(InetSocketAddress address, long timeoutMs) {
        Objects.requireNonNull(address, "address");
        Checks.requirePositive(timeoutMs, "timeoutMs");
        if (state != State.RUNNING) {
            return CompletableFuture.failedFuture(notRunning());
        }
        if (address.equals(boundAddress)) {
            return CompletableFuture.completedFuture(self);
        }
        CompletableFuture<NodeId> result = new CompletableFuture<>();
        EventLoop loop = group.next();
        Bootstrap b = bootstrap.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                channels.add(ch);
                addClientTls(ch, address);
                FrameDecoder decoder = newDecoder();
                ch.pipeline().addLast("frames", decoder).addLast("node",
                        NodeChannel.toIdentify(NettyMessageBus.this, result, decoder));
            }
        });
        ChannelFuture connect = b.connect(address, outboundLocalAddress());
        connect.addListener(done -> {
            if (!done.isSuccess()) {
                result.completeExceptionally(new PeerUnavailableException("cannot connect to " + address
                        + " to identify its node: " + WireCodec.firstLine(done.cause())));
            }
        });
        var timer = loop.schedule(() -> {
            if (result.completeExceptionally(new RequestTimeoutException(
                    "identify of the node at " + address + " timed out after " + timeoutMs + " ms", 1, 0))) {
                connect.channel().close();
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
        result.whenComplete((id, t) -> {
            timer.cancel(false);
            if (id != null) {
                setAddress(id, address);
            }
        });
        return result;
    }

    @Override
    public void send(NodeId to, Message message) {
        Objects.requireNonNull(to, "to");
        requireRegistered(message);
        if (state != State.RUNNING) {
            requireStarted();
            return;
        }
        if (to.equals(self)) {
            selfLoop.execute(() -> deliverOneWay(self, message));
            return;
        }
        PeerLink link = peers.get(to);
        if (link == null || link.isDown()) {
            return;
        }
        long fault = faults.outbound(to);
        ByteBuf frame = codec.encode(fault > 0 ? DELAYED_ALLOC : ByteBufAllocator.DEFAULT, FrameKind.ONE_WAY, 0, message);
        if (fault == LinkFaults.DROP) {
            frame.release();
        } else if (fault > 0) {
            link.delays.add(fault, () -> offerOneWay(link, frame));
        } else {
            offerOneWay(link, frame);
        }
    }

    private void offerOneWay(PeerLink link, ByteBuf frame) {
        if (!link.offer(frame)) {
            frame.release();
            warnRateLimited("node " + self + " dropped a one-way message to node " + link.id + ": "
                    + outboundQueueLimit + " frames already queued");
        }
    }

    @Override
    public <R extends Message> CompletableFuture<R> request(NodeId to, Message request, Class<R> responseType,
            long timeoutMs) {
        Objects.requireNonNull(to, "to");
        requireRegistered(request);
        Objects.requireNonNull(responseType, "responseType");
        Checks.requirePositive(timeoutMs, "timeoutMs");
        if (state != State.RUNNING) {
            requireStarted();
            return CompletableFuture.failedFuture(notRunning());
        }
        if (to.equals(self)) {
            return requestSelf(request, responseType, timeoutMs);
        }
        PeerLink link = peers.get(to);
        if (link == null) {
            return CompletableFuture.failedFuture(new PeerUnavailableException(
                    request.getClass().getSimpleName() + " to node " + to + " failed: no address is known for it"));
        }
        if (link.isDown()) {
            return CompletableFuture.failedFuture(new PeerUnavailableException(
                    request.getClass().getSimpleName() + " failed: " + link.downReason()));
        }
        PendingRequests.Pending<R> p = pending.register(to, to, request.getClass(), responseType, timeoutMs, link.loop);
        long fault = faults.outbound(to);
        ByteBuf frame;
        try {
            frame = codec.encode(fault > 0 ? DELAYED_ALLOC : ByteBufAllocator.DEFAULT, FrameKind.REQUEST, p.id, request);
        } catch (RuntimeException e) {
            p.fail(e);
            return p.future;
        }
        if (fault == LinkFaults.DROP) {
            frame.release();
        } else if (fault > 0) {
            link.delays.add(fault, () -> offerRequest(link, frame, p));
        } else {
            offerRequest(link, frame, p);
        }
        return p.future;
    }

    private void offerRequest(PeerLink link, ByteBuf frame, PendingRequests.Pending<?> p) {
        if (!link.offer(frame)) {
            frame.release();
            p.fail(new PeerUnavailableException(p.what() + " failed: node " + self + " is overloaded, "
                    + outboundQueueLimit + " frames already wait for node " + link.id + " (outboundQueueLimit)"));
        } else if (link.isDown()) {
            // The connection failed between the check in request() and the offer.
            p.fail(new PeerUnavailableException(p.what() + " failed: " + link.downReason()));
        }
    }

    private <R extends Message> CompletableFuture<R> requestSelf(Message request, Class<R> responseType,
            long timeoutMs) {
        PendingRequests.Pending<R> p = pending.register(self, self, request.getClass(), responseType, timeoutMs,
                selfLoop);
        selfLoop.execute(() -> {
            Handler<Message> h = handlers.get(request.getClass());
            if (h == null) {
                p.fail(noHandler(request).toException());
                return;
            }
            CompletionStage<? extends Message> stage;
            try {
                stage = h.onMessage(self, request);
            } catch (Throwable t) {
                p.fail(Failure.of(t).toException());
                return;
            }
            if (stage == null) {
                p.fail(noResponse(request).toException());
                return;
            }
            stage.whenComplete((r, t) -> {
                if (t != null) {
                    p.fail(Failure.of(unwrap(t)).toException());
                } else if (r == null) {
                    p.fail(noResponse(request).toException());
                } else {
                    pending.complete(p.id, self, r);
                }
            });
        });
        return p.future;
    }

    // ---- from connections (event loop) ----

    /** A REQUEST or ONE_WAY from {@code from}, to be answered on {@code conn}. */
    void receive(NodeId from, Frame f, NodeChannel conn) {
        long fault = faults.inbound(from);
        if (fault == LinkFaults.DROP) {
            return;
        }
        if (fault > 0) {
            conn.inboundDelays().add(fault, () -> dispatch(from, f, conn));
        } else {
            dispatch(from, f, conn);
        }
    }

    private void dispatch(NodeId from, Frame f, NodeChannel conn) {
        Message m = (Message) f.body();
        Handler<Message> h = handlers.get(m.getClass());
        if (f.kind() == FrameKind.ONE_WAY) {
            deliverOneWay(from, m);
            return;
        }
        conn.requestStarted();
        long id = f.correlationId();
        if (h == null) {
            answer(from, conn, id, null, noHandler(m));
            return;
        }
        CompletionStage<? extends Message> stage;
        try {
            stage = h.onMessage(from, m);
        } catch (Throwable t) {
            answer(from, conn, id, null, Failure.of(t));
            return;
        }
        if (stage == null) {
            answer(from, conn, id, null, noResponse(m));
            return;
        }
        stage.whenComplete((r, t) -> {
            if (t != null) {
                answer(from, conn, id, null, Failure.of(unwrap(t)));
            } else if (r == null) {
                answer(from, conn, id, null, noResponse(m));
            } else {
                answer(from, conn, id, r, null);
            }
        });
    }

    private void deliverOneWay(NodeId from, Message m) {
        Handler<Message> h = handlers.get(m.getClass());
        if (h == null) {
            warnRateLimited("node " + self + " has no handler for " + m.getClass().getSimpleName() + " from node "
                    + from + "; dropped it");
            return;
        }
        try {
            CompletionStage<? extends Message> stage = h.onMessage(from, m);
            if (stage != null) {
                stage.whenComplete((r, t) -> {
                    if (t != null) {
                        oneWayFailed(from, m, unwrap(t));
                    }
                });
            }
        } catch (Throwable t) {
            oneWayFailed(from, m, t);
        }
    }

    private void oneWayFailed(NodeId from, Message m, Throwable t) {
        warnRateLimited("node " + self + ": handler for " + m.getClass().getSimpleName() + " from node " + from
                + " failed: " + WireCodec.firstLine(t));
    }

    /** Sends the answer to request {@code id}: {@code response}, or else {@code failure}. Any thread. */
    private void answer(NodeId to, NodeChannel conn, long id, Message response, Failure failure) {
        long fault = faults.outbound(to);
        ByteBufAllocator alloc = fault > 0 ? DELAYED_ALLOC : ByteBufAllocator.DEFAULT;
        ByteBuf frame;
        try {
            frame = response != null ? codec.encode(alloc, FrameKind.RESPONSE, id, response)
                    : codec.encode(alloc, FrameKind.FAILURE, id, failure);
        } catch (RuntimeException e) {
            frame = codec.encode(alloc, FrameKind.FAILURE, id, Failure.of(e));
        }
        if (fault == LinkFaults.DROP) {
            frame.release();
            conn.reply(null);  // lost on the way: counts as answered
        } else if (fault > 0) {
            ByteBuf delayed = frame;
            conn.outboundDelays().add(fault, () -> conn.reply(delayed));
        } else {
            conn.reply(frame);
        }
    }

    /** A RESPONSE or FAILURE from {@code from} on the outbound connection {@code conn}. */
    void receiveAnswer(NodeId from, Frame f, NodeChannel conn) {
        long fault = faults.inbound(from);
        if (fault == LinkFaults.DROP) {
            return;
        }
        if (fault > 0) {
            conn.inboundDelays().add(fault, () -> completeAnswer(from, f));
        } else {
            completeAnswer(from, f);
        }
    }

    private void completeAnswer(NodeId from, Frame f) {
        if (f.kind() == FrameKind.RESPONSE) {
            pending.complete(f.correlationId(), from, f.body());
        } else {
            pending.fail(f.correlationId(), from, (Failure) f.body());
        }
    }

    /**
     * A peer connected to us and proved who it is: remember where it listens, unless an address is
     * already known. An address given by {@link #setAddress} (membership, configuration) wins over
     * one learned here, so two spellings of one address (a host name and its IP) cannot make the
     * link reconnect back and forth.
     */
    void inboundEstablished(NodeId peer, InetSocketAddress advertised) {
        log.debug("node {} accepted a connection from node {} (listening on {})", self, peer, advertised);
        if (!peer.equals(self) && !peers.containsKey(peer)) {
            peers.putIfAbsent(peer, new PeerLink(this, peer, advertised, group.next(), newOutboundQueue()));
        }
    }

    /** Fails every request waiting on {@code peer}: its connection is gone. */
    void failRequestsTo(NodeId peer, String reason) {
        pending.failAll(p -> peer.equals(p.peer), p -> new PeerUnavailableException(p.what() + " failed: " + reason));
    }

    ChannelFuture connect(PeerLink link) {
        Bootstrap b = bootstrap.clone(link.loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                channels.add(ch);
                addClientTls(ch, link.address());
                // The link reports why its connection failed, once, instead of at every retry.
                FrameDecoder decoder = new FrameDecoder(codec, warnings, "node " + self, false);
                ch.pipeline().addLast("frames", decoder).addLast("node", NodeChannel.toPeer(NettyMessageBus.this, link,
                        decoder));
            }
        });
        return b.connect(link.address(), outboundLocalAddress());
    }

    /** With TLS, an outgoing connection presents this node's certificate and checks the peer's. */
    private void addClientTls(SocketChannel ch, InetSocketAddress peer) {
        if (tls != null) {
            ch.pipeline().addLast("tls", tls.newClientHandler(ch.alloc(), peer));
        }
    }

    /** The listen host with any port: outbound connections come from the node's own address. */
    private InetSocketAddress outboundLocalAddress() {
        InetSocketAddress bound = boundAddress;
        return bound.getAddress().isAnyLocalAddress() ? null : new InetSocketAddress(bound.getAddress(), 0);
    }

    // ---- helpers and settings for the connection classes ----

    FrameDecoder newDecoder() {
        return new FrameDecoder(codec, warnings, "node " + self);
    }

    OutboundQueue newOutboundQueue() {
        return new OutboundQueue(outboundQueueLimit, flushes);
    }

    void warnRateLimited(String line) {
        warnings.warn(line);
    }

    WireCodec codec() {
        return codec;
    }

    String clusterName() {
        return clusterName;
    }

    byte[] secret() {
        return secret;
    }

    long connectTimeoutMs() {
        return connectTimeoutMs;
    }

    Clock clock() {
        return clock;
    }

    /** An independent random source for one link; split under a lock, as RandomSource is not thread-safe. */
    synchronized RandomSource newLinkRandom() {
        return random.split();
    }

    long minBackoffMs() {
        return minBackoffMs;
    }

    long maxBackoffMs() {
        return maxBackoffMs;
    }

    int outboundQueueLimit() {
        return outboundQueueLimit;
    }

    int maxInflightRequests() {
        return maxInflightRequests;
    }

    /** How many times any connection of this bus has flushed: the measure of write coalescing. */
    long flushCount() {
        return flushes.get();
    }

    /** The event loop of the outbound link to {@code peer}, or null when none exists: for tests that hold it up. */
    EventLoop linkLoop(NodeId peer) {
        PeerLink link = peers.get(peer);
        return link == null ? null : link.loop;
    }

    /** The state of the outbound link to {@code peer}, or null when none exists. */
    PeerLink.State linkState(NodeId peer) {
        PeerLink link = peers.get(peer);
        return link == null ? null : link.state();
    }

    private void requireRegistered(Message message) {
        Objects.requireNonNull(message, "message");
        Checks.require(codec.isRegistered(message), "message type", message.getClass().getName(),
                "registered in MessageTypes");
    }

    private void requireStarted() {
        if (state == State.NEW) {
            throw new IllegalStateException("bus of node " + self + " is not started");
        }
    }

    private PeerUnavailableException notRunning() {
        return new PeerUnavailableException("the bus of node " + self + " is " + state);
    }

    private Failure noHandler(Message m) {
        return new Failure(Failure.Kind.INTERNAL, "node " + self + " has no handler for "
                + m.getClass().getSimpleName(), 0, 0);
    }

    private Failure noResponse(Message m) {
        return new Failure(Failure.Kind.INTERNAL, "the handler for " + m.getClass().getSimpleName() + " on node "
                + self + " answered a request with no response", 0, 0);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public String toString() {
        return "NettyMessageBus{" + self + " on " + boundAddress + ", " + state + "}";
    }

    /** Room for a cluster of a thousand nodes, each with one link here, and the connections of identifying. */
    public static final int DEFAULT_MAX_INBOUND_CONNECTIONS = 2048;
    /** A node opens one link to each peer; many more from one address is a fault or a flood. */
    public static final int DEFAULT_MAX_INBOUND_CONNECTIONS_PER_ADDRESS = 64;

    /** Inbound connections closed at accept because a connection limit was reached. */
    public long refusedInboundConnections() {
        return refusedInbound.get();
    }

    /** Inbound connections open now, handshake done or not. */
    public int openInboundConnections() {
        return inboundLimiter.open();
    }

    /** Settings of a bus; every one has a default except the node and its message types. */
    public static final class Builder {
        private final NodeId self;
        private final MessageTypes types;
        private String listenHost = "127.0.0.1";
        private int listenPort = 0;
        private String clusterName = "kvorum";
        private String sharedSecret;
        private int maxFrameBytes = WireCodec.DEFAULT_MAX_FRAME_BYTES;
        private long connectTimeoutMs = 2_000;
        private long minBackoffMs = 100;
        private long maxBackoffMs = 5_000;
        private int outboundQueueLimit = 16_384;
        private int maxInflightRequests = 4_096;
        private int eventLoopThreads = BuilderChecks.defaultEventLoopThreads();
        private int maxInboundConnections = DEFAULT_MAX_INBOUND_CONNECTIONS;
        private int maxInboundConnectionsPerAddress = DEFAULT_MAX_INBOUND_CONNECTIONS_PER_ADDRESS;
        private Clock clock = Clock.system();
        private RandomSource random;
        private TlsConfig tls;

        private Builder(NodeId self, MessageTypes types) {
            this.self = Objects.requireNonNull(self, "self");
            this.types = Objects.requireNonNull(types, "types");
        }

        /** Where to listen for peers; port 0 picks a free port (see {@link #localAddress()}). */
        public Builder listen(String host, int port) {
            BuilderChecks.checkListen(host, port);
            this.listenHost = host;
            this.listenPort = port;
            return this;
        }

        /** Peers with another cluster name are refused, so two clusters on one network never mix. */
        public Builder clusterName(String name) {
            Checks.require(name != null && !name.isBlank(), "clusterName", name, "a non-blank name");
            this.clusterName = name;
            return this;
        }

        /** The secret every node of the cluster shares; null for none (peers then are not authenticated). */
        public Builder sharedSecret(String secret) {
            Checks.require(secret == null || !secret.isEmpty(), "sharedSecret", "\"\"", "null or non-empty");
            this.sharedSecret = secret;
            return this;
        }

        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = BuilderChecks.checkMaxFrameBytes(bytes);
            return this;
        }

        /**
         * The most connections accepted from other nodes at once, and from one address; past either a
         * new one is closed at accept. A member needs one per peer, plus a few while it identifies seeds.
         */
        public Builder maxInboundConnections(int total, int perAddress) {
            this.maxInboundConnections = Checks.requirePositive(total, "maxInboundConnections");
            this.maxInboundConnectionsPerAddress = Checks.requirePositive(perAddress, "maxInboundConnectionsPerAddress");
            return this;
        }

        /** Bounds both a TCP connect and the handshake after it. */
        public Builder connectTimeoutMs(long ms) {
            this.connectTimeoutMs = Checks.requirePositive(ms, "connectTimeoutMs");
            return this;
        }

        /** The first reconnect waits {@code minMs}; each failure doubles the wait, up to {@code maxMs}. */
        public Builder reconnectBackoffMs(long minMs, long maxMs) {
            Checks.requirePositive(minMs, "reconnect backoff minMs");
            Checks.require(maxMs >= minMs, "reconnect backoff maxMs", maxMs, ">= minMs " + minMs);
            this.minBackoffMs = minMs;
            this.maxBackoffMs = maxMs;
            return this;
        }

        /** Frames that may wait per connection before sends fail fast (rounded up to a power of two). */
        public Builder outboundQueueLimit(int frames) {
            this.outboundQueueLimit = Checks.requirePositive(frames, "outboundQueueLimit");
            return this;
        }

        /** Unanswered requests per inbound connection before it stops reading (TCP backpressure). */
        public Builder maxInflightRequests(int requests) {
            this.maxInflightRequests = Checks.requirePositive(requests, "maxInflightRequests");
            return this;
        }

        /** Time for link-fault delays (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Randomness for reconnect jitter (default: seeded from the operating system's entropy). */
        public Builder random(RandomSource random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        public Builder eventLoopThreads(int threads) {
            this.eventLoopThreads = Checks.requirePositive(threads, "eventLoopThreads");
            return this;
        }

        /**
         * TLS on every connection, both ways (default: plaintext). The node's key serves accepted
         * connections and is presented on outgoing ones, so with
         * {@link TlsConfig.Builder#requireClientAuth} both ends prove their certificates. The
         * handshake with cluster name and shared secret runs inside TLS as before; the TLS handshake
         * counts against {@link #connectTimeoutMs}.
         */
        public Builder tls(TlsConfig config) {
            Objects.requireNonNull(config, "config");
            Checks.require(config.canServe(), "internode TLS " + config.name(), "no key",
                    "a keystore, or a certificate and private key, for both ends of a connection");
            this.tls = config;
            return this;
        }

        public NettyMessageBus build() {
            return new NettyMessageBus(this);
        }
    }
}
