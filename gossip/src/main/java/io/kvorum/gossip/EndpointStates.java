package io.kvorum.gossip;

import io.kvorum.ring.MemberStatus;
import io.kvorum.core.NodeId;
import io.kvorum.gossip.GossipMessages.Digest;
import io.kvorum.gossip.GossipMessages.EndpointDelta;
import io.kvorum.gossip.GossipMessages.StateEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every member's {@link EndpointState} as this node knows it, and the rules of the digest exchange:
 * what to ask for, what to send, and how a received state merges in. Pure logic, no I/O: the
 * {@link Gossiper} drives it, and the convergence properties test it directly.
 *
 * <p>Merge rules: a member's own node never takes another's word about itself; a higher generation
 * replaces the member's state (it restarted); the same generation merges entry by entry, the higher
 * version winning; a lower generation is stale and ignored.
 *
 * <p>Retired members ({@link MemberStatus#isRetired LEFT or REMOVED}) are kept until the expiry in
 * their status, then purged, and their ids stay quarantined for as long again: a state of a
 * quarantined id, or one that would bring a retired id back to any other status, is ignored, so a
 * node that left cannot return through a stale message. A peer that was cut off meanwhile and
 * still lists the member is answered with its last, expired, retired state, which makes that peer
 * purge it too.
 *
 * <p>Not thread-safe: the Gossiper calls it under its lock.
 */
final class EndpointStates {
    private final NodeId self;
    private final EndpointState local;
    private long localVersion;
    private final Map<NodeId, EndpointState> states = new TreeMap<>();
    /** Purged retired ids: their last state, and when their quarantine ends (wall millis). */
    private final Map<NodeId, Quarantined> quarantine = new HashMap<>();
    private final long quarantineMillis;

    private record Quarantined(EndpointDelta last, long untilMillis) {
    }

    /** @param quarantineMillis how long a purged member's id stays quarantined */
    EndpointStates(NodeId self, long generation, long quarantineMillis) {
        this.self = self;
        this.quarantineMillis = quarantineMillis;
        this.local = new EndpointState(self, generation);
        states.put(self, local);
    }

    NodeId self() {
        return self;
    }

    EndpointState local() {
        return local;
    }

    EndpointState get(NodeId node) {
        return states.get(node);
    }

    Collection<EndpointState> all() {
        return Collections.unmodifiableCollection(states.values());
    }

    /** Bumps this node's heartbeat version, once per gossip round. */
    void beat() {
        local.setHeartbeatVersion(++localVersion);
    }

    /** Sets one of this node's own states at a new version. */
    void setLocal(AppState key, String value) {
        local.put(new StateEntry(key, value, ++localVersion));
    }

    /**
     * Speaks for a member that cannot: a dead node being removed. Its state moves to a new
     * generation (one above what is known) holding its last states and {@code status}, so the
     * change overrides the member's own versions everywhere. Only one node at a time should do
     * this for a member; the removal coordinator is that node.
     */
    void setOnBehalf(NodeId node, StatusValue status) {
        EndpointState old = states.get(node);
        if (old == null || node.equals(self)) {
            throw new IllegalArgumentException("node: " + node + " (expected: a known member other than this node)");
        }
        EndpointState next = new EndpointState(node, old.generation() + 1);
        long v = 0;
        for (StateEntry e : old.entries().values()) {
            if (e.key() != AppState.STATUS) {
                next.put(new StateEntry(e.key(), e.value(), ++v));
            }
        }
        next.put(new StateEntry(AppState.STATUS, status.text(), ++v));
        next.setHeartbeatVersion(old.heartbeatVersion());
        states.put(node, next);
    }

    /** Updates the status of a member this node already speaks for (see {@link #setOnBehalf}). */
    void updateOnBehalf(NodeId node, StatusValue status) {
        EndpointState s = states.get(node);
        s.put(new StateEntry(AppState.STATUS, status.text(), s.maxVersion() + 1));
    }

    /**
     * Learns a member from this node's own saved copy, at generation 0, below any generation a
     * running node has: the member's first real gossip replaces it whole. A restarted node thus
     * has a ring at once, before gossip brings the news.
     */
    void preload(NodeId node, Map<AppState, String> values) {
        if (node.equals(self) || states.containsKey(node)) {
            return;
        }
        EndpointState s = new EndpointState(node, 0);
        long v = 0;
        for (Map.Entry<AppState, String> e : values.entrySet()) {
            s.put(new StateEntry(e.getKey(), e.getValue(), ++v));
        }
        states.put(node, s);
    }

    List<Digest> digests() {
        List<Digest> digests = new ArrayList<>(states.size());
        for (EndpointState s : states.values()) {
            digests.add(new Digest(s.node(), s.generation(), s.maxVersion()));
        }
        return digests;
    }

    /** What a peer answers to a syn: what it lacks, and what the initiator lacks. */
    record Examined(List<Digest> requests, List<EndpointDelta> deltas) {
    }

    /** The peer side of a syn carrying {@code remote}: see {@link GossipMessages.GossipAck}. */
    Examined examine(List<Digest> remote) {
        List<Digest> requests = new ArrayList<>();
        List<EndpointDelta> deltas = new ArrayList<>();
        Set<NodeId> listed = new HashSet<>();
        for (Digest d : remote) {
            listed.add(d.node());
            EndpointState mine = states.get(d.node());
            if (mine == null) {
                Quarantined q = quarantine.get(d.node());
                if (q == null) {
                    requests.add(new Digest(d.node(), d.generation(), 0));
                } else {
                    deltas.add(q.last());
                }
            } else if (d.generation() > mine.generation()) {
                StatusValue status = mine.status();
                if (status != null && status.status().isRetired()) {
                    // A later run of a member that left or was removed: tell it, rather than learn it.
                    deltas.add(mine.deltaAfter(0));
                } else {
                    requests.add(new Digest(d.node(), d.generation(), 0));
                }
            } else if (d.generation() < mine.generation()) {
                deltas.add(mine.deltaAfter(0));
            } else if (d.maxVersion() > mine.maxVersion()) {
                requests.add(new Digest(d.node(), d.generation(), mine.maxVersion()));
            } else if (d.maxVersion() < mine.maxVersion()) {
                deltas.add(mine.deltaAfter(d.maxVersion()));
            }
        }
        // Members the initiator did not list at all: it has never heard of them.
        for (EndpointState s : states.values()) {
            if (!listed.contains(s.node())) {
                deltas.add(s.deltaAfter(0));
            }
        }
        return new Examined(requests, deltas);
    }

    /** The states a peer asked for with {@code requests}. */
    List<EndpointDelta> answer(List<Digest> requests) {
        List<EndpointDelta> deltas = new ArrayList<>();
        for (Digest r : requests) {
            EndpointState mine = states.get(r.node());
            if (mine == null || mine.generation() < r.generation()) {
                continue;
            }
            deltas.add(mine.generation() > r.generation() ? mine.deltaAfter(0) : mine.deltaAfter(r.maxVersion()));
        }
        return deltas;
    }

    /**
     * What a batch of deltas changed; {@code selfRetired} is the retired status peers hold for this
     * node (it left or was removed, and this is a later run of it), or null.
     */
    record Applied(Set<NodeId> changed, List<String> refused, StatusValue selfRetired) {
        boolean isEmpty() {
            return changed.isEmpty();
        }
    }

    /**
     * Merges {@code deltas} in.
     *
     * @return the members whose application states changed (new members and restarts included), and
     *     the reasons of deltas refused (for a log line)
     */
    Applied apply(List<EndpointDelta> deltas, long nowMillis) {
        Set<NodeId> changed = new LinkedHashSet<>();
        List<String> refused = new ArrayList<>();
        StatusValue selfRetired = null;
        for (EndpointDelta delta : deltas) {
            NodeId node = delta.node();
            if (node.equals(self)) {
                refuseAboutSelf(delta, refused);
                StatusValue s = statusIn(delta);
                if (s != null && s.status().isRetired()) {
                    selfRetired = s;
                }
                continue;
            }
            if (quarantine.containsKey(node)) {
                continue;
            }
            StatusValue incoming = statusIn(delta);
            EndpointState mine = states.get(node);
            if (incoming != null && incoming.expired(nowMillis)) {
                // Unknown: nothing to learn. Known: everyone else has purged it; so do we.
                if (mine != null && delta.generation() >= mine.generation()) {
                    quarantine(node, delta, nowMillis);
                    changed.add(node);
                }
                continue;
            }
            if (mine == null || delta.generation() > mine.generation()) {
                StatusValue current = mine == null ? null : mine.status();
                if (current != null && current.status().isRetired()
                        && (incoming == null || !incoming.status().isRetired())) {
                    refused.add(node + " is " + current.status() + " and cannot come back (generation "
                            + delta.generation() + "); a node that left rejoins with a new data directory");
                    continue;
                }
                if (incoming == null && mine == null) {
                    // Heard of, but without its states yet: wait for a full delta.
                    if (delta.states().isEmpty()) {
                        continue;
                    }
                }
                states.put(node, EndpointState.from(delta));
                changed.add(node);
            } else if (delta.generation() == mine.generation()) {
                StatusValue before = mine.status();
                if (before != null && before.status().isRetired() && incoming != null
                        && !incoming.status().isRetired()) {
                    continue;
                }
                if (!mine.merge(delta).isEmpty()) {
                    changed.add(node);
                }
            }
        }
        return new Applied(changed, refused, selfRetired);
    }

    private void refuseAboutSelf(EndpointDelta delta, List<String> refused) {
        StatusValue s = statusIn(delta);
        if (delta.generation() > local.generation() || (s != null && s.status().isRetired())) {
            refused.add("a peer says this node " + self + " is at generation " + delta.generation()
                    + (s == null ? "" : " with status " + s.text()) + " (this run is generation "
                    + local.generation() + ")");
        }
    }

    private static StatusValue statusIn(EndpointDelta delta) {
        for (StateEntry e : delta.states()) {
            if (e.key() == AppState.STATUS) {
                return StatusValue.tryParse(e.value());
            }
        }
        return null;
    }

    /**
     * Forgets retired members whose expiry has passed, quarantining their ids, and ends
     * quarantines that are over.
     *
     * @return the members purged
     */
    List<NodeId> purge(long nowMillis) {
        List<NodeId> purged = new ArrayList<>();
        for (EndpointState s : new ArrayList<>(states.values())) {
            StatusValue status = s.status();
            if (!s.node().equals(self) && status != null && status.expired(nowMillis)) {
                quarantine(s.node(), s.deltaAfter(0), nowMillis);
                purged.add(s.node());
            }
        }
        quarantine.values().removeIf(q -> q.untilMillis() <= nowMillis);
        return purged;
    }

    private void quarantine(NodeId node, EndpointDelta last, long nowMillis) {
        states.remove(node);
        quarantine.put(node, new Quarantined(last, nowMillis + quarantineMillis));
    }
}
