package io.kvorum.transport;

import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's one outbound connection to one peer, and its life: connect on first use, queue while
 * connecting, write while up, and when the connection fails or drops, fail everything waiting on
 * it and reconnect after a capped exponential backoff (min, 2 min, 4 min ... max), each wait drawn
 * between half and all of its step ("equal jitter"): when a node restarts, every peer lost it at
 * the same moment, and waits without jitter would bring them all back at the same instants.
 *
 * <p>While down (between a failure and the next attempt) requests fail fast with
 * {@link io.kvorum.core.PeerUnavailableException} instead of waiting out their timeouts, and
 * one-way messages are dropped: a coordinator learns at once that a replica is unreachable and can
 * move to the next. Reconnection is proactive, so a peer that comes back is usable without a request
 * having to fail first.
 *
 * <p>All state changes happen on the link's event loop, which is also its channel's, so there is
 * no locking; other threads read the volatile state and offer frames to the queue.
 */
final class PeerLink {
    private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

    enum State { IDLE, CONNECTING, UP, DOWN, CLOSED }

    final NodeId id;
    final EventLoop loop;
    final OutboundQueue queue;
    /** Where messages to this peer wait out an outbound link-fault delay. */
    final DelayLine delays;
    private final NettyMessageBus bus;
    private final AtomicReference<State> state = new AtomicReference<>(State.IDLE);
    private volatile InetSocketAddress address;
    private volatile String downReason = "not connected";

    // Event loop only.
    private Channel channel;
    private long backoffMs;
    /** This link's own source: RandomSource is not thread-safe, and links run on different event loops. */
    private final RandomSource random;
    private ScheduledFuture<?> reconnectTimer;
    private int failedAttempts;

    PeerLink(NettyMessageBus bus, NodeId id, InetSocketAddress address, EventLoop loop, OutboundQueue queue) {
        this.bus = bus;
        this.id = id;
        this.address = address;
        this.loop = loop;
        this.queue = queue;
        this.delays = new DelayLine(loop, bus.clock());
        this.random = bus.newLinkRandom();
        this.backoffMs = bus.minBackoffMs();
    }

    InetSocketAddress address() {
        return address;
    }

    State state() {
        return state.get();
    }

    /** True while requests to this peer must fail fast. */
    boolean isDown() {
        State s = state.get();
        return s == State.DOWN || s == State.CLOSED;
    }

    /** Why the peer is unreachable, for the exceptions of requests that fail fast. */
    String downReason() {
        return downReason;
    }

    /** Queues a frame and makes sure a connection is on its way; false when the queue is full. */
    boolean offer(ByteBuf frame) {
        if (!queue.offer(frame)) {
            return false;
        }
        if (state.get() == State.IDLE && state.compareAndSet(State.IDLE, State.CONNECTING)) {
            loop.execute(this::connect);
        }
        if (isDown()) {
            // Lost a race with the connection failing: the loop may already have discarded the
            // queue, so make sure this frame does not wait for the next connection.
            loop.execute(() -> {
                if (isDown()) {
                    queue.discard();
                }
            });
        }
        return true;
    }

    /** Points the link at a new address; a live connection to the old one is closed and replaced. */
    void setAddress(InetSocketAddress newAddress) {
        InetSocketAddress old = address;
        address = newAddress;
        if (!newAddress.equals(old)) {
            loop.execute(() -> {
                if (channel != null) {
                    channel.close();
                } else if (state.get() == State.DOWN) {
                    cancelReconnect();
                    backoffMs = bus.minBackoffMs();
                    connect();
                }
            });
        }
    }

    private void connect() {
        if (state.get() == State.CLOSED) {
            return;
        }
        state.set(State.CONNECTING);
        reconnectTimer = null;
        ChannelFuture f = bus.connect(this);
        Channel ch = f.channel();
        channel = ch;
        f.addListener(done -> {
            if (!done.isSuccess()) {
                closed(ch, "cannot connect: " + WireCodec.firstLine(done.cause()));
            }
        });
    }

    /** The handshake on {@code ch} succeeded: frames may flow. Event loop only. */
    void established(Channel ch) {
        if (ch != channel || state.get() != State.CONNECTING) {
            ch.close();
            return;
        }
        state.set(State.UP);
        queue.attach(ch);
        if (failedAttempts > 0) {
            log.info("node {} connected to node {} at {} after {} failed attempts", bus.self(), id, address,
                    failedAttempts);
        } else {
            log.info("node {} connected to node {} at {}", bus.self(), id, address);
        }
        failedAttempts = 0;
        backoffMs = bus.minBackoffMs();
    }

    /** {@code ch} failed to connect, failed its handshake, or closed. Event loop only. */
    void closed(Channel ch, String reason) {
        if (ch != channel) {
            return;
        }
        channel = null;
        State was = state.get();
        if (was == State.CLOSED) {
            return;
        }
        state.set(State.DOWN);
        downReason = "node " + id + " at " + address + " is unreachable: " + reason;
        queue.detachAndDiscard();
        if (was == State.UP) {
            log.warn("node {} lost its connection to node {} at {}: {}; reconnecting", bus.self(), id, address, reason);
        } else if (failedAttempts++ == 0) {
            log.warn("node {} cannot connect to node {} at {}: {}; retrying with backoff up to {} ms", bus.self(), id,
                    address, reason, bus.maxBackoffMs());
        } else {
            log.debug("node {} still cannot connect to node {} at {} (attempt {}): {}", bus.self(), id, address,
                    failedAttempts, reason);
        }
        bus.failRequestsTo(id, downReason);
        reconnectTimer = loop.schedule(this::connect, jittered(backoffMs, random), TimeUnit.MILLISECONDS);
        backoffMs = Math.min(backoffMs * 2, bus.maxBackoffMs());
    }

    /** Between half of {@code stepMs} and all of it. */
    static long jittered(long stepMs, RandomSource random) {
        long half = stepMs / 2;
        return half + Math.floorMod(random.nextLong(), stepMs - half + 1);
    }

    /** Stops for good: no more connections, nothing queued. */
    void close() {
        loop.execute(() -> {
            state.set(State.CLOSED);
            downReason = "the bus is closed";
            cancelReconnect();
            if (channel != null) {
                channel.close();
                channel = null;
            }
            queue.detachAndDiscard();
        });
    }

    private void cancelReconnect() {
        if (reconnectTimer != null) {
            reconnectTimer.cancel(false);
            reconnectTimer = null;
        }
    }

    @Override
    public String toString() {
        return "PeerLink{" + id + " at " + address + ", " + state.get() + "}";
    }
}
