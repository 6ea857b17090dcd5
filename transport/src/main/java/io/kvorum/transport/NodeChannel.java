package io.kvorum.transport;

import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One node-to-node connection, either end: runs the handshake (see {@link Hello} and
 * {@link HandshakeProof}), then hands frames to the bus.
 *
 * <p>Three uses: an initiator for a {@link PeerLink} (this node's outbound connection to a known
 * peer), an initiator for {@code identify} (connect, learn who answers, close), and an acceptor
 * (a peer's outbound connection to us, which carries its requests and our answers). Requests
 * arriving on an acceptor connection are bounded: past {@code maxInflightRequests} unanswered ones
 * the connection stops reading, and TCP pushes back on the peer.
 *
 * <p>Every method runs on the channel's event loop except {@link #reply} and
 * {@link #outboundDelays}, which answers completed on other threads use.
 */
final class NodeChannel extends ChannelInboundHandlerAdapter {
    private final NettyMessageBus bus;
    private final HandshakeProof.Role role;
    private final PeerLink link;
    private final CompletableFuture<NodeId> identify;
    private final FrameDecoder decoder;
    private final byte[] nonce = HandshakeProof.nonce();
    private final AtomicInteger inflightRequests = new AtomicInteger();
    private volatile boolean readingPaused;

    private Channel channel;
    private OutboundQueue replies;
    private Hello peerHello;
    private NodeId peer;
    private boolean established;
    private ScheduledFuture<?> handshakeTimer;
    private String closeReason;
    private DelayLine inboundDelays;
    private volatile DelayLine outboundDelays;

    private NodeChannel(NettyMessageBus bus, HandshakeProof.Role role, PeerLink link, CompletableFuture<NodeId> identify,
            FrameDecoder decoder) {
        this.bus = bus;
        this.role = role;
        this.link = link;
        this.identify = identify;
        this.decoder = decoder;
    }

    static NodeChannel toPeer(NettyMessageBus bus, PeerLink link, FrameDecoder decoder) {
        return new NodeChannel(bus, HandshakeProof.Role.INITIATOR, link, null, decoder);
    }

    static NodeChannel toIdentify(NettyMessageBus bus, CompletableFuture<NodeId> identify, FrameDecoder decoder) {
        return new NodeChannel(bus, HandshakeProof.Role.INITIATOR, null, identify, decoder);
    }

    static NodeChannel accepted(NettyMessageBus bus, FrameDecoder decoder) {
        return new NodeChannel(bus, HandshakeProof.Role.ACCEPTOR, null, null, decoder);
    }

    /** Where frames from the peer wait out an inbound link-fault delay. Event loop only. */
    DelayLine inboundDelays() {
        if (inboundDelays == null) {
            inboundDelays = new DelayLine(channel.eventLoop(), bus.clock());
        }
        return inboundDelays;
    }

    /** Where answers to the peer wait out an outbound link-fault delay. Any thread. */
    DelayLine outboundDelays() {
        DelayLine d = outboundDelays;
        if (d == null) {
            synchronized (this) {
                d = outboundDelays;
                if (d == null) {
                    d = new DelayLine(channel.eventLoop(), bus.clock());
                    outboundDelays = d;
                }
            }
        }
        return d;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        sendHello(1, HandshakeProof.none());
        handshakeTimer = ctx.executor().schedule(() -> decoder.reject(TlsConfig.handshakePending(channel)
                        ? "TLS handshake not completed within " + bus.connectTimeoutMs() + " ms (expected: a peer with"
                                + " internode TLS on, as here)"
                        : "handshake not completed within " + bus.connectTimeoutMs() + " ms"),
                bus.connectTimeoutMs(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    private void sendHello(int phase, byte[] proof) {
        InetSocketAddress listen = bus.localAddress();
        Hello hello = new Hello(phase, bus.clusterName(), WireCodec.PROTOCOL_VERSION, bus.self().value(),
                listen.getAddress().getHostAddress(), listen.getPort(), nonce, proof);
        channel.writeAndFlush(bus.codec().encode(channel.alloc(), FrameKind.HELLO, 0, hello), channel.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame f = (Frame) msg;
        if (!established) {
            onHandshake(f);
            return;
        }
        if (replies == null) {
            return;  // an identify connection, closing: nothing more is read from it
        }
        switch (f.kind()) {
            case FrameKind.REQUEST, FrameKind.ONE_WAY -> bus.receive(peer, f, this);
            case FrameKind.RESPONSE, FrameKind.FAILURE -> bus.receiveAnswer(peer, f, this);
            default -> decoder.reject(FrameKind.name(f.kind()) + " frame after the handshake completed");
        }
    }

    private void onHandshake(Frame f) {
        if (!(f.body() instanceof Hello h)) {
            decoder.reject("HELLO carries " + f.body().getClass().getSimpleName() + " (expected: a node Hello;"
                    + " is a client connecting to the node port?)");
            return;
        }
        if (peerHello == null) {
            onFirstHello(h);
        } else {
            onSecondHello(h);
        }
    }

    private void onFirstHello(Hello h) {
        if (h.phase() != 1) {
            decoder.reject("HELLO phase " + h.phase() + " (expected: 1)");
        } else if (!bus.clusterName().equals(h.clusterName())) {
            decoder.reject("cluster name '" + h.clusterName() + "' (expected: '" + bus.clusterName() + "')");
        } else if (h.protocolVersion() != WireCodec.PROTOCOL_VERSION) {
            decoder.reject("HELLO protocol version " + h.protocolVersion() + " (expected: " + WireCodec.PROTOCOL_VERSION
                    + ")");
        } else if (h.nonce() == null || h.nonce().length != HandshakeProof.NONCE_BYTES || h.proof() == null
                || h.listenHost() == null || h.listenPort() < 0 || h.listenPort() > 0xffff) {
            decoder.reject("garbled HELLO " + h);
        } else if (h.nodeId() == bus.self().value()) {
            if (identify != null) {
                // identify() of this node's own address under another name: the answer is self.
                closeReason = "identified as this node itself";
                identify.complete(bus.self());
                channel.close();
            } else {
                decoder.reject("peer claims to be this node, " + bus.self() + " (expected: another node's id)");
            }
        } else if (link != null && !link.id.equals(h.node())) {
            decoder.reject("peer is node " + h.node() + " (expected: node " + link.id + ", whose address this was)");
        } else {
            peerHello = h;
            peer = h.node();
            byte[] proof = bus.secret() == null ? HandshakeProof.none()
                    : HandshakeProof.node(bus.secret(), role, bus.clusterName(), bus.self().value(), h.nodeId(),
                            h.nonce(), nonce);
            sendHello(2, proof);
        }
    }

    private void onSecondHello(Hello h) {
        if (h.phase() != 2 || h.nodeId() != peerHello.nodeId() || !Arrays.equals(h.nonce(), peerHello.nonce())
                || h.proof() == null) {
            decoder.reject("second HELLO " + h + " does not continue the first (expected: phase 2, same node and nonce)");
            return;
        }
        if (bus.secret() != null) {
            HandshakeProof.Role peerRole = role == HandshakeProof.Role.INITIATOR ? HandshakeProof.Role.ACCEPTOR
                    : HandshakeProof.Role.INITIATOR;
            byte[] expected = HandshakeProof.node(bus.secret(), peerRole, bus.clusterName(), h.nodeId(),
                    bus.self().value(), nonce, h.nonce());
            if (h.proof().length == 0) {
                decoder.reject("node " + peer + " sent no authentication proof (expected: the cluster's shared secret"
                        + " configured on both nodes)");
                return;
            }
            if (!HandshakeProof.matches(expected, h.proof())) {
                decoder.reject("authentication of node " + peer + " failed: its proof does not match (expected: the"
                        + " same shared secret on both nodes)");
                return;
            }
        }
        established = true;
        handshakeTimer.cancel(false);
        decoder.handshakeDone();
        if (link != null) {
            replies = link.queue;
            link.established(channel);
        } else if (identify != null) {
            closeReason = "identify done";
            identify.complete(peer);
            channel.close();
        } else {
            replies = bus.newOutboundQueue();
            replies.attach(channel);
            bus.inboundEstablished(peer, advertisedAddress(h));
        }
    }

    /** Where the peer says it listens; a wildcard host means "the address I connect from". */
    private InetSocketAddress advertisedAddress(Hello h) {
        String host = h.listenHost();
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            InetAddress ip = NetUtil.createInetAddressFromIpAddressString(host);
            if (ip.isAnyLocalAddress() && channel.remoteAddress() instanceof InetSocketAddress remote) {
                ip = remote.getAddress();
            }
            return new InetSocketAddress(ip, h.listenPort());
        }
        return InetSocketAddress.createUnresolved(host, h.listenPort());
    }

    /** Sends an answer to one of the peer's requests (null: it was dropped by a link fault). Any thread. */
    void reply(ByteBuf frame) {
        requestDone();
        if (frame != null && !replies.offer(frame)) {
            frame.release();
            if (!replies.isClosed()) { // a closed connection's answers have nowhere to go
                bus.warnRateLimited("node " + bus.self() + " dropped an answer to node " + peer + ": "
                        + bus.outboundQueueLimit() + " frames already queued on the connection");
            }
        }
    }

    /** Counts a request handed to a handler; stops reading when too many are unanswered. */
    void requestStarted() {
        // Only an acceptor connection may stop reading: an outbound one also carries our answers.
        if (role == HandshakeProof.Role.ACCEPTOR && inflightRequests.incrementAndGet() >= bus.maxInflightRequests() && !readingPaused) {
            readingPaused = true;
            channel.config().setAutoRead(false);
        }
    }

    private void requestDone() {
        if (inflightRequests.decrementAndGet() <= bus.maxInflightRequests() / 2 && readingPaused) {
            channel.eventLoop().execute(() -> {
                if (readingPaused && inflightRequests.get() <= bus.maxInflightRequests() / 2) {
                    readingPaused = false;
                    channel.config().setAutoRead(true);
                }
            });
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && replies != null) {
            replies.drain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        String reason = decoder.rejectReason() != null ? "rejected: " + decoder.rejectReason()
                : closeReason != null ? closeReason
                : established ? "connection closed by the peer"
                : "connection closed during the handshake (the peer refused it; its log says why)";
        if (link != null) {
            link.closed(ctx.channel(), reason);
        } else if (identify != null) {
            identify.completeExceptionally(new PeerUnavailableException(
                    "cannot identify the node at " + ctx.channel().remoteAddress() + ": " + reason));
        } else if (replies != null) {
            replies.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            if (closeReason == null) {
                closeReason = WireCodec.firstLine(cause);
            }
            ctx.close();
        } else {
            decoder.reject("unexpected " + WireCodec.firstLine(cause));
        }
    }
}
