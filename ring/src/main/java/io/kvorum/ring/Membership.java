package io.kvorum.ring;

import io.kvorum.core.NodeId;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * What the coordinator asks of cluster membership: the ring to place keys on, whether a node is
 * believed up, and where to reach it.
 *
 * <p>The coordinator uses it to pick a key's replicas ({@link #ring()}) and to skip replicas
 * believed down ({@link #isUp}) rather than wait for them to time out, so both must answer quickly
 * and without blocking from any thread. A fixed configuration implements it with a fixed ring (tests); gossip
 * ({@code GossipMembership}) implements it with a failure detector. "Up" is a belief, not a fact: a
 * node believed up may still fail a request, and the coordinator must handle that as it handles a
 * timeout.
 */
public interface Membership {

    /**
     * The current ring snapshot, of the members that own their ranges now; reads are placed on it.
     * Callers keep it for the whole of one request.
     */
    Ring ring();

    /**
     * The ring as it will be once every join and leave under way completes; the very instance
     * {@link #ring()} returns when nothing changes, so callers may compare by identity. Writes go to a key's replicas in both, so that a write acknowledged
     * while ranges move is on its final replicas too.
     */
    default Ring pendingRing() {
        return ring();
    }

    /** Whether the failure detector (or the static configuration) believes {@code node} is up. */
    boolean isUp(NodeId node);

    /** Where to reach {@code node}, when it is known. */
    Optional<InetSocketAddress> address(NodeId node);

    /**
     * Registers a listener for ring and up/down changes. Implementations call listeners on the
     * thread that made the change, after the change is visible through the getters; a listener
     * must return quickly and must not block.
     */
    void addListener(Listener listener);

    /** Told of membership changes. */
    interface Listener {
        /** The ring is now {@code ring}. */
        default void ringChanged(Ring ring) {
        }

        /** {@code node} is now believed up ({@code up}) or down. */
        default void upDownChanged(NodeId node, boolean up) {
        }
    }
}
