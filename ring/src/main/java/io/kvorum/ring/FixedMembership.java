package io.kvorum.ring;

import io.kvorum.core.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Membership set by hand, for tests and simulation: the test decides the ring and which nodes
 * are up, and listeners hear each change exactly as they will hear gossip's.
 *
 * <p>Every node of a ring it is given starts up; a node it has never seen is down. Setting a
 * node to the state it already has tells no one. Thread-safe: changes are serialised, so
 * listeners hear them in the order they were made, on the thread that made them.
 */
public final class FixedMembership implements Membership {
    private final Map<NodeId, Boolean> up = new ConcurrentHashMap<>();
    private final Map<NodeId, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Ring ring;
    private volatile Ring pendingRing;

    public FixedMembership(Ring ring) {
        this(ring, Map.of());
    }

    public FixedMembership(Ring ring, Map<NodeId, InetSocketAddress> addresses) {
        this.ring = Objects.requireNonNull(ring, "ring");
        this.addresses.putAll(addresses);
        markNewNodesUp(ring);
    }

    @Override
    public Ring ring() {
        return ring;
    }

    @Override
    public Ring pendingRing() {
        Ring pending = pendingRing;
        return pending == null ? ring : pending;
    }

    /**
     * Sets the ring that writes also go to while ranges move (see {@link Membership#pendingRing});
     * null ends the change.
     */
    public synchronized void setPendingRing(Ring pending) {
        if (pending != null) {
            markNewNodesUp(pending);
        }
        pendingRing = pending;
        for (Listener l : listeners) {
            l.ringChanged(ring);
        }
    }

    @Override
    public boolean isUp(NodeId node) {
        return up.getOrDefault(Objects.requireNonNull(node, "node"), false);
    }

    @Override
    public Optional<InetSocketAddress> address(NodeId node) {
        return Optional.ofNullable(addresses.get(Objects.requireNonNull(node, "node")));
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Replaces the ring and tells listeners; nodes new to this membership start up. */
    public synchronized void setRing(Ring newRing) {
        Objects.requireNonNull(newRing, "ring");
        markNewNodesUp(newRing);
        ring = newRing;
        for (Listener l : listeners) {
            l.ringChanged(newRing);
        }
    }

    /** Marks {@code node} up or down and, if that changes anything, tells listeners. */
    public synchronized void setUp(NodeId node, boolean isUp) {
        Boolean previous = up.put(Objects.requireNonNull(node, "node"), isUp);
        if (previous == null ? isUp : previous != isUp) {
            for (Listener l : listeners) {
                l.upDownChanged(node, isUp);
            }
        }
    }

    /** Records where {@code node} can be reached. */
    public void setAddress(NodeId node, InetSocketAddress address) {
        addresses.put(Objects.requireNonNull(node, "node"), Objects.requireNonNull(address, "address"));
    }

    private void markNewNodesUp(Ring r) {
        for (NodeId node : r.nodes()) {
            up.putIfAbsent(node, true);
        }
    }

    @Override
    public String toString() {
        return "FixedMembership[" + ring + ", " + up.values().stream().filter(b -> !b).count() + " down]";
    }
}
