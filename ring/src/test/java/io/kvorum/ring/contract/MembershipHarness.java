package io.kvorum.ring.contract;

import io.kvorum.core.NodeId;
import io.kvorum.ring.Membership;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What {@link MembershipContract} needs of one {@link Membership}: one node's view of a settled
 * cluster of a few members, time to pass, and a way to change the ring (a member joins).
 */
public interface MembershipHarness extends AutoCloseable {

    /** The view under test, once the cluster has settled: every member known, up and placed. */
    Membership membership();

    /** The node whose view it is. */
    NodeId self();

    /** Every member of the settled cluster, {@link #self()} included. */
    Set<NodeId> members();

    /** Lets {@code ms} of time pass with no change to membership (gossip keeps gossiping). */
    void runFor(long ms);

    /** Starts a change that alters the ring: a new member joins. Returns it. */
    NodeId joinNewMember();

    /** Lets time pass until {@code condition} holds; fails naming {@code what} at a deadline. */
    void runUntil(String what, BooleanSupplier condition);

    @Override
    void close();
}
