package io.kvorum.ring;

/**
 * Where a member is in its life in the ring, as gossip carries it.
 *
 * <p>The ring that places reads holds the members that own their ranges now ({@link #NORMAL} and
 * {@link #LEAVING}, and {@link #REMOVING} until its ranges are restored elsewhere). The pending
 * ring, which writes also go to, is the ring as it will be once every change under way completes:
 * it holds {@link #JOINING} and {@link #NORMAL} members. Writing to both while data streams is what
 * keeps a write acknowledged during a change on its final replicas.
 */
public enum MemberStatus {
    /** Took its tokens and is streaming the data of its future ranges; owns nothing yet. */
    JOINING,
    /** Owns its ranges. */
    NORMAL,
    /** Decommissioning: still owns its ranges while it streams them to their next owners. */
    LEAVING,
    /** Decommissioned; its id is retired. Kept in gossip until its expiry, then purged. */
    LEFT,
    /**
     * Dead and being removed by an operator: its surviving replicas stream its ranges to their new
     * owners. It stays in the reading ring meanwhile (down, so skipped) so reads keep finding the
     * replicas that hold the data.
     */
    REMOVING,
    /** Removed; its id is retired. Kept in gossip until its expiry, then purged. */
    REMOVED;

    /** Whether the member owns ranges for reads now. */
    public boolean inRing() {
        return this == NORMAL || this == LEAVING || this == REMOVING;
    }

    /** Whether the member owns ranges once the changes under way complete. */
    public boolean inPendingRing() {
        return this == NORMAL || this == JOINING;
    }

    /** Whether the member has left for good: its id never comes back. */
    public boolean isRetired() {
        return this == LEFT || this == REMOVED;
    }
}
