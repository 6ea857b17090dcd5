package io.kvorum.transport;

import io.kvorum.core.Checks;
import io.kvorum.core.NodeId;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Faults injected on the links between this node and its peers, for partition experiments and
 * tests on a real network stack: messages to or from a peer can be dropped (as if lost: a request
 * then times out, it does not fail fast) or delayed (delivered later, on the event loop).
 *
 * <p>The bus consults it for every message it sends to a peer (requests, one-way messages and
 * responses) and every message it receives from one, after the handshake; connections stay up,
 * like a network that silently loses packets. Messages to this node itself are never affected.
 * When a peer has both a drop and a delay in one direction, the drop wins.
 *
 * <p>Thread-safe; rules can change at any time and apply to the next message.
 */
public final class LinkFaults {

    /** Which way a rule acts, seen from this node. */
    public enum Direction {
        /** Messages from the peer to this node. */
        IN,
        /** Messages from this node to the peer. */
        OUT,
        /** Both. */
        BOTH;

        boolean in() {
            return this != OUT;
        }

        boolean out() {
            return this != IN;
        }
    }

    /** What to do with a message: drop it, or deliver it after this many ms (0: now). */
    static final long DROP = -1;

    private record Rule(boolean dropIn, boolean dropOut, long delayInMs, long delayOutMs) {
        static final Rule NONE = new Rule(false, false, 0, 0);
    }

    private final Map<NodeId, Rule> rules = new ConcurrentHashMap<>();

    LinkFaults() {
    }

    /** Drops every message to and/or from {@code peer} until healed. */
    public void drop(NodeId peer, Direction direction) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(direction, "direction");
        rules.merge(peer, new Rule(direction.in(), direction.out(), 0, 0),
                (old, add) -> new Rule(old.dropIn || add.dropIn, old.dropOut || add.dropOut, old.delayInMs,
                        old.delayOutMs));
    }

    /** Delivers every message to and/or from {@code peer} {@code delayMs} late until healed. */
    public void delay(NodeId peer, Direction direction, long delayMs) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(direction, "direction");
        Checks.requirePositive(delayMs, "delayMs");
        rules.merge(peer, new Rule(false, false, direction.in() ? delayMs : 0, direction.out() ? delayMs : 0),
                (old, add) -> new Rule(old.dropIn, old.dropOut, direction.in() ? delayMs : old.delayInMs,
                        direction.out() ? delayMs : old.delayOutMs));
    }

    /** Removes every rule for {@code peer}. */
    public void heal(NodeId peer) {
        rules.remove(peer);
    }

    /** Removes every rule. */
    public void healAll() {
        rules.clear();
    }

    /** {@link #DROP}, or the delay in ms (0: none) for a message to {@code peer}. */
    long outbound(NodeId peer) {
        if (rules.isEmpty()) {
            return 0;
        }
        Rule r = rules.getOrDefault(peer, Rule.NONE);
        return r.dropOut ? DROP : r.delayOutMs;
    }

    /** {@link #DROP}, or the delay in ms (0: none) for a message from {@code peer}. */
    long inbound(NodeId peer) {
        if (rules.isEmpty()) {
            return 0;
        }
        Rule r = rules.getOrDefault(peer, Rule.NONE);
        return r.dropIn ? DROP : r.delayInMs;
    }

    @Override
    public String toString() {
        return "LinkFaults" + rules;
    }
}
