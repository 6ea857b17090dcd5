package io.kvorum.sim;

/**
 * The shapes a {@link SimNetwork} partition can take, after Jepsen's nemeses and TigerBeetle's
 * packet simulator. Each is drawn afresh, from the network's seeded random source, over the members
 * it is applied to, so the same seed cuts the same nodes apart.
 */
public enum PartitionMode {
    /** Two sides of sizes {@code floor(n/2)} and {@code ceil(n/2)}; nothing crosses. */
    HALVES,
    /** One node cut off from every other; the rest see each other. */
    ISOLATE_ONE,
    /**
     * Two halves that cannot see each other and one node that sees both: the bridge. The case that
     * breaks protocols which assume "I can reach you" and "you can reach them" means "I can reach
     * them".
     */
    BRIDGE,
    /**
     * Nodes on a shuffled ring, each seeing its neighbours within a distance that makes a majority:
     * every node sees a majority, and no two nodes see the same one (Jepsen's majorities-ring). Every
     * node can form a quorum and no quorum agrees with another. Needs at least four members, since
     * with three every majority of neighbours is everyone.
     */
    MAJORITIES_RING
}
