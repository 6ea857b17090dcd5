package io.kvorum.ring;

import io.kvorum.core.NodeId;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Membership that a ring change can drive: besides reading the ring it announces this node's
 * status and tokens, speaks for a dead member being removed, and waits until the cluster has
 * heard an announcement.
 *
 * <p>Why an interface here, below both gossip and ring changes: the orchestration of joins,
 * decommissions and removals ({@code ring-changes}) must not know how membership spreads, and the
 * gossip that spreads it must not depend on the streaming that ring changes drive. Gossip
 * ({@code GossipMembership}) implements it; a test may implement it over a shared view.
 *
 * <p>Announcements are asynchronous: a setter changes this node's own state at once and other
 * members learn it later; {@link #awaitSeenByLiveMembers} is how a caller knows they have.
 */
public interface ClusterMembership extends Membership {

    /** This node. */
    NodeId self();

    /** How many members are known, this node and retired ones included: a join waits for it to hold still. */
    int knownMembers();

    /** The member's rack, empty when it has none or is unknown. */
    Optional<String> rack(NodeId node);

    /** The member's status, empty when it is unknown. */
    Optional<MemberStatus> status(NodeId node);

    /** Announces this node's tokens and status (tokens first, so no member sees the status without them). */
    void setStatus(MemberStatus status, Collection<Long> tokens);

    /** Announces that this node has left for good ({@code LEFT}); members forget it after the expiry. */
    void setRetired(MemberStatus status, long expiresAtMillis);

    /** Announces, on a dead member's behalf, that it is being removed. */
    void markRemoving(NodeId node);

    /** Completes a removal begun with {@link #markRemoving}; members forget it after the expiry. */
    void markRemoved(NodeId node, long expiresAtMillis);

    /**
     * Completes once every member believed up holds what this node holds now of {@code node}'s
     * announcements, polling every {@code pollMs}; fails after {@code timeoutMs}, naming who lags.
     */
    CompletableFuture<Void> awaitSeenByLiveMembers(NodeId node, long pollMs, long timeoutMs);
}
