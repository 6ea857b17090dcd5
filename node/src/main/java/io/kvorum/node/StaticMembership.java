package io.kvorum.node;

import io.kvorum.core.DurableFiles;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.Scheduler;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership from configuration: every member is listed by its internode address, the same list on
 * every node. Gossip replaces it in a later version; the coordinator sees only {@link Membership}.
 *
 * <p>A member's ring tokens follow from its place in the sorted address list
 * ({@link TokenAllocator#evenTokens}), so every node computes the same, exactly balanced ring
 * without talking to anyone. What configuration cannot say is a member's {@link NodeId}, which is
 * born with its data directory; each node learns it by connecting ({@link MessageBus#identify})
 * and remembers it in {@code peers} in its data directory, so a node restarting while a peer is
 * down still knows the whole ring. A member whose id changes (its disk was replaced) is learned
 * again at the next periodic check.
 *
 * <p>Until every member is known the ring is incomplete and {@link #isComplete()} is false: the
 * node then refuses client requests rather than place keys on a partial ring. Every known member
 * counts as up; failure detection arrives with gossip (a request to a dead member fails fast on
 * the refused connection).
 */
public final class StaticMembership implements Membership {
    private static final Logger log = LoggerFactory.getLogger(StaticMembership.class);
    private static final long IDENTIFY_TIMEOUT_MS = 2000;
    private static final long UNKNOWN_RETRY_MS = 500;
    private static final long KNOWN_RECHECK_MS = 10_000;

    private final MessageBus bus;
    private final Scheduler scheduler;
    private final InetSocketAddress self;
    private final List<InetSocketAddress> members;
    private final int numTokens;
    private final Path peersFile;
    private final Map<InetSocketAddress, NodeId> known = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<Scheduler.Cancellable> tasks = new ArrayList<>();
    private volatile Ring ring = Ring.empty();

    /**
     * @param self this node's internode address as configured
     * @param members every member's internode address, this node's included
     * @param peersFile where learned ids are kept, in this node's data directory
     */
    public StaticMembership(MessageBus bus, Scheduler scheduler, InetSocketAddress self, List<InetSocketAddress> members,
                            int numTokens, Path peersFile) {
        if (!members.contains(self)) {
            throw new IllegalArgumentException("cluster.members: " + members.stream().map(StaticMembership::text).toList()
                    + " (expected: to include this node's address " + text(self) + ")");
        }
        this.bus = bus;
        this.scheduler = scheduler;
        this.self = self;
        this.members = members.stream().sorted(Comparator.comparing(StaticMembership::text)).toList();
        this.numTokens = numTokens;
        this.peersFile = peersFile;
    }

    /** Loads remembered ids, then keeps identifying members that are not known yet. */
    public void start() {
        known.putAll(readPeers());
        known.put(self, bus.self());
        known.forEach((address, node) -> bus.setAddress(node, address));
        rebuild();
        for (InetSocketAddress member : members) {
            if (!member.equals(self)) {
                tasks.add(scheduler.scheduleWithFixedDelay(() -> check(member), 0,
                        known.containsKey(member) ? KNOWN_RECHECK_MS : UNKNOWN_RETRY_MS, TimeUnit.MILLISECONDS));
            }
        }
    }

    public void stop() {
        tasks.forEach(Scheduler.Cancellable::cancel);
    }

    /** True once every configured member's id is known. */
    public boolean isComplete() {
        return known.keySet().containsAll(members);
    }

    /** The members not identified yet, for error messages. */
    public List<InetSocketAddress> unknownMembers() {
        return members.stream().filter(m -> !known.containsKey(m)).toList();
    }

    private void check(InetSocketAddress member) {
        bus.identify(member, IDENTIFY_TIMEOUT_MS).whenComplete((node, error) -> {
            if (error == null) {
                learn(member, node);
            }
        });
    }

    private synchronized void learn(InetSocketAddress member, NodeId node) {
        NodeId previous = known.put(member, node);
        if (node.equals(previous)) {
            return;
        }
        log.info("Member {} is node {}{}", text(member), node, previous == null ? "" : " (was " + previous + ")");
        bus.setAddress(node, member);
        writePeers();
        rebuild();
    }

    private synchronized void rebuild() {
        Map<NodeId, List<Long>> tokens = new LinkedHashMap<>();
        for (int i = 0; i < members.size(); i++) {
            NodeId node = known.get(members.get(i));
            if (node != null) {
                tokens.put(node, TokenAllocator.evenTokens(i, members.size(), numTokens));
            }
        }
        Ring next = Ring.of(tokens, Map.of());
        if (!next.equals(ring)) {
            ring = next;
            for (Listener l : listeners) {
                l.ringChanged(next);
            }
        }
    }

    @Override
    public Ring ring() {
        return ring;
    }

    @Override
    public boolean isUp(NodeId node) {
        return ring.contains(node);
    }

    @Override
    public Optional<InetSocketAddress> address(NodeId node) {
        for (Map.Entry<InetSocketAddress, NodeId> e : known.entrySet()) {
            if (e.getValue().equals(node)) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    private Map<InetSocketAddress, NodeId> readPeers() {
        Map<InetSocketAddress, NodeId> peers = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(peersFile, StandardCharsets.UTF_8)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2) {
                    InetSocketAddress address = parseAddress(parts[0]);
                    if (members.contains(address)) {
                        peers.put(address, NodeId.parse(parts[1]));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return peers;
        } catch (IOException | IllegalArgumentException e) {
            log.warn("Ignoring unreadable {} ({}); members will be identified again", peersFile, e.getMessage());
        }
        return peers;
    }

    private void writePeers() {
        StringBuilder text = new StringBuilder("# member address, node id: learned by connecting; safe to delete\n");
        for (InetSocketAddress m : members) {
            NodeId node = known.get(m);
            if (node != null) {
                text.append(text(m)).append(' ').append(node).append('\n');
            }
        }
        try {
            DurableFiles.replace(peersFile, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + peersFile + ": " + e.getMessage(), e);
        }
    }

    /** Parses {@code host:port}. */
    public static InetSocketAddress parseAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: host:port)");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: host:port)", e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: a port from 1 to 65535)");
        }
        return new InetSocketAddress(text.substring(0, colon), port);
    }

    static String text(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
