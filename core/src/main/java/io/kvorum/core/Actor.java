package io.kvorum.core;

/**
 * The writer named in a dot: a node and the epoch it was in.
 *
 * <p>A node's epoch changes each time it starts after an unclean shutdown. Its dot counter survives
 * restarts, but a write acknowledged without fsync can be lost from its memtable in a crash while
 * a copy lives on at another replica. Were the node to keep its old actor, its later dots would
 * make version vectors claim to cover that lost-here, alive-there record, and a client writing
 * with such a context would silently discard it. A new epoch is a new actor, so no later dot can
 * cover a dot the node may have lost.
 */
public record Actor(NodeId node, int epoch) implements Comparable<Actor> {

    public Actor {
        Checks.require(node != null, "node", null, "a NodeId");
        Checks.require(epoch >= 0, "epoch", epoch, ">= 0");
    }

    @Override
    public int compareTo(Actor o) {
        int c = node.compareTo(o.node);
        return c != 0 ? c : Integer.compare(epoch, o.epoch);
    }

    @Override
    public String toString() {
        return node + "." + epoch;
    }
}
