package io.kvorum.client;

import io.kvorum.core.Clock;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.protocol.ClientMessages;
import io.kvorum.transport.TlsConfig;
import io.kvorum.transport.WireClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link WireClient} per node, opened on first use, all on one shared event loop group; and
 * the memory of which nodes recently could not be reached.
 *
 * <p>Why remember failures: when a node is down, every request whose key it replicates first
 * would otherwise dial it, wait for the refusal, and only then fail over. After one failure the
 * node is tried last for {@link #UNREACHABLE_MS}, then first again, so a node that comes back is
 * used again within that time even if no ring refresh says so.
 *
 * <p>Thread-safe. {@link #client} may run on an event loop: opening a WireClient only builds a
 * bootstrap; the connection itself is made by its first request, without blocking.
 */
final class Connections implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvorumClient.class);

    /** How long a node that could not be reached is tried only after every other. */
    static final long UNREACHABLE_MS = 5_000;

    private final MessageTypes types = ClientMessages.types();
    private final Clock clock;
    private final String clientName;
    private final String user;
    private final String password;
    private final long connectTimeoutMs;
    private final TlsConfig tls;
    private final EventLoopGroup group;
    private final Map<Address, WireClient> clients = new HashMap<>();
    private final ConcurrentHashMap<Address, Long> unreachableUntilNanos = new ConcurrentHashMap<>();
    private boolean closed;

    /** @param tls TLS for every connection, or null for plaintext */
    Connections(Clock clock, String clientName, String user, String password, long connectTimeoutMs, TlsConfig tls,
            int threads) {
        this.clock = clock;
        this.clientName = clientName;
        this.user = user;
        this.password = password;
        this.connectTimeoutMs = connectTimeoutMs;
        this.tls = tls;
        this.group = new NioEventLoopGroup(threads, new DefaultThreadFactory("kvorum-client", true));
    }

    /** The group's threads run the client's timers and ring refreshes as well as its connections. */
    EventLoopGroup group() {
        return group;
    }

    /** The connection to {@code address}, opened lazily; null once closed. */
    synchronized WireClient client(Address address) {
        if (closed) {
            return null;
        }
        WireClient c = clients.get(address);
        if (c == null) {
            WireClient.Builder b = WireClient.builder(address.socketAddress(), types)
                    .clientName(clientName)
                    .connectTimeoutMs(connectTimeoutMs)
                    .eventLoopGroup(group);
            if (user != null) {
                b.credentials(user, password);
            }
            if (tls != null) {
                b.tls(tls);
            }
            c = b.build();
            clients.put(address, c);
        }
        return c;
    }

    /** Records that {@code address} could not be reached; logs the first failure of a spell. */
    void markUnreachable(Address address, String reason) {
        Long previous = unreachableUntilNanos.put(address,
                clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNREACHABLE_MS));
        if (previous == null) {
            log.warn("Kvorum node {} is unreachable ({}); routing around it", address, reason);
        }
    }

    /** Records that {@code address} answered. */
    void markReachable(Address address) {
        if (unreachableUntilNanos.remove(address) != null) {
            log.info("Kvorum node {} is reachable again", address);
        }
    }

    /** True while {@code address} failed recently. */
    boolean isUnreachable(Address address) {
        Long until = unreachableUntilNanos.get(address);
        return until != null && clock.nanoTime() - until < 0;
    }

    /**
     * Closes the connections to addresses the ring no longer names. Closing waits for the channel,
     * so it happens off the event loop.
     */
    void retainOnly(Set<Address> keep) {
        List<WireClient> gone = new ArrayList<>();
        synchronized (this) {
            clients.entrySet().removeIf(e -> {
                if (keep.contains(e.getKey())) {
                    return false;
                }
                gone.add(e.getValue());
                return true;
            });
        }
        unreachableUntilNanos.keySet().retainAll(keep);
        if (!gone.isEmpty()) {
            Thread closer = new Thread(() -> gone.forEach(WireClient::close), "kvorum-client-closer");
            closer.setDaemon(true);
            closer.start();
        }
    }

    boolean isClosed() {
        synchronized (this) {
            return closed;
        }
    }

    /** Closes every connection (failing what waits on them) and stops the event loops. */
    @Override
    public void close() {
        List<WireClient> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(clients.values());
            clients.clear();
        }
        for (WireClient c : all) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.debug("closing the connection to {} failed", c.server(), e);
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
