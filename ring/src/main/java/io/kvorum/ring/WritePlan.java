package io.kvorum.ring;

import io.kvorum.core.Checks;
import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Where one write goes and how many acknowledgements it needs, as a pure function of the rings,
 * the key, n, W and who is believed up (as Cassandra's {@code ReplicaPlan}, and Voldemort's
 * routing decisions, are values the coordinator then acts on). Nothing here sends anything, so
 * every rule of placement can be checked by property tests without a network.
 *
 * <p><b>Groups of targets, in order.</b>
 * <ol>
 *   <li>The <em>home replicas</em>: the key's preference list of n in the current ring.</li>
 *   <li>The <em>pending replicas</em>: nodes of the key's preference list in the pending ring (a
 *       join or leave under way, {@link Membership#pendingRing}) that are not home replicas. They
 *       take the write too, so a write acknowledged while ranges move is on the key's final
 *       replicas as well.</li>
 * </ol>
 * The targets are the groups concatenated, each in its ring's preference order, without
 * repetition; the up targets are those believed up, the coordinating node always counted up
 * (it is the one running the write).
 *
 * <p><b>Why W + P.</b> Each pending replica adds one to the acknowledgements required: of W + P
 * acknowledgements from the N + P targets, at most P come from home replicas the change retires
 * (there are exactly P of them when both rings hold n nodes for the key), so at least W land on the
 * key's final replicas, whatever subset answers. Cassandra counts pending nodes the same way.
 *
 * <p><b>Fallbacks (sloppy quorum).</b> A sloppy plan adds a third group: for each home replica
 * believed down, in preference order, the next node the ring's walk reaches past the preference
 * list that is up and not already a target, standing in for it (Dynamo's "next healthy node
 * clockwise"). A fallback takes the write as a hint for the replica it stands in for and its
 * acknowledgement counts toward W; the required count does not change. A strict plan (the
 * default) has no fallbacks, so only home and pending replicas ever count. Down pending replicas
 * get no fallback: their copies are extra, and the coordinator's own hints cover them.
 *
 * <p>Immutable; the lists are unmodifiable.
 */
public final class WritePlan {
    private final int n;
    private final Consistency w;
    private final List<NodeId> homeReplicas;
    private final List<NodeId> pendingReplicas;
    private final List<NodeId> targets;
    private final List<NodeId> upTargets;
    private final Map<NodeId, NodeId> fallbacks;
    private final int required;

    private WritePlan(int n, Consistency w, List<NodeId> homeReplicas, List<NodeId> pendingReplicas,
                      List<NodeId> targets, List<NodeId> upTargets, Map<NodeId, NodeId> fallbacks) {
        this.n = n;
        this.w = w;
        this.homeReplicas = homeReplicas;
        this.pendingReplicas = pendingReplicas;
        this.targets = targets;
        this.upTargets = upTargets;
        this.fallbacks = fallbacks;
        this.required = w.required(n) + pendingReplicas.size();
    }

    /**
     * The plan for writing {@code key} to {@code n} replicas at {@code w}.
     *
     * @param ring        the current ring; the home replicas come from it
     * @param pendingRing the ring once the changes under way complete, or {@code ring} itself (the
     *                    same instance) when nothing changes
     * @param self        the coordinating node, counted up whatever {@code isUp} says
     * @param isUp        whether a node is believed up; asked only of targets other than self
     */
    public static WritePlan of(Ring ring, Ring pendingRing, Key key, int n, Consistency w, NodeId self,
                               Predicate<NodeId> isUp) {
        return of(ring, pendingRing, key, n, w, self, isUp, false);
    }

    /**
     * As {@link #of(Ring, Ring, Key, int, Consistency, NodeId, Predicate)}, with fallbacks for down
     * home replicas when {@code sloppy}.
     */
    public static WritePlan of(Ring ring, Ring pendingRing, Key key, int n, Consistency w, NodeId self,
                               Predicate<NodeId> isUp, boolean sloppy) {
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(pendingRing, "pending ring");
        Objects.requireNonNull(key, "key");
        Checks.requirePositive(n, "n");
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(isUp, "isUp");
        List<NodeId> home = ring.preferenceList(key, n);
        List<NodeId> pending = pendingReplicas(ring, pendingRing, key, n, home);
        List<NodeId> targets = pending.isEmpty() ? home : concat(home, pending);
        List<NodeId> up = chooseUp(targets, self, isUp);
        Map<NodeId, NodeId> fallbacks = sloppy && up.size() < targets.size()
                ? chooseFallbacks(ring, key, home, targets, self, isUp) : Map.of();
        return new WritePlan(n, w, home, pending, targets, fallbacks.isEmpty() ? up
                : concat(up, List.copyOf(fallbacks.keySet())), fallbacks);
    }

    /**
     * For each down home replica, in preference order, the first node past the preference list in
     * the ring's walk that is up and neither a target nor already standing in: fallback to replica,
     * in the order chosen.
     */
    private static Map<NodeId, NodeId> chooseFallbacks(Ring ring, Key key, List<NodeId> home, List<NodeId> targets,
                                                       NodeId self, Predicate<NodeId> isUp) {
        List<NodeId> walk = ring.preferenceList(key, ring.size());
        Map<NodeId, NodeId> chosen = new LinkedHashMap<>();
        // From the start: with racks the long walk need not begin with the preference list itself.
        int next = 0;
        for (NodeId replica : home) {
            if (replica.equals(self) || isUp.test(replica)) {
                continue;
            }
            while (next < walk.size()) {
                NodeId candidate = walk.get(next++);
                if (!targets.contains(candidate) && (candidate.equals(self) || isUp.test(candidate))) {
                    chosen.put(candidate, replica);
                    break;
                }
            }
        }
        return Collections.unmodifiableMap(chosen);
    }

    /** The key's replicas in the pending ring that are not among its current ones. */
    private static List<NodeId> pendingReplicas(Ring ring, Ring pendingRing, Key key, int n, List<NodeId> home) {
        if (pendingRing == ring) {
            return List.of();
        }
        List<NodeId> pending = new ArrayList<>(0);
        for (NodeId node : pendingRing.preferenceList(key, n)) {
            if (!home.contains(node)) {
                pending.add(node);
            }
        }
        return List.copyOf(pending);
    }

    /** The targets believed up, self always, in target order. */
    private static List<NodeId> chooseUp(List<NodeId> targets, NodeId self, Predicate<NodeId> isUp) {
        List<NodeId> up = new ArrayList<>(targets.size());
        for (NodeId node : targets) {
            if (node.equals(self) || isUp.test(node)) {
                up.add(node);
            }
        }
        return List.copyOf(up);
    }

    private static List<NodeId> concat(List<NodeId> a, List<NodeId> b) {
        List<NodeId> all = new ArrayList<>(a.size() + b.size());
        all.addAll(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /** The key's preference list of n in the current ring. */
    public List<NodeId> homeReplicas() {
        return homeReplicas;
    }

    /** Replicas the key gains in the ring change under way: in the pending ring's list, not home. */
    public List<NodeId> pendingReplicas() {
        return pendingReplicas;
    }

    /** Home replicas, then pending replicas, each in preference order, distinct. */
    public List<NodeId> targets() {
        return targets;
    }

    /**
     * The nodes the write is sent to: the targets believed up (self always), in target order, then
     * the fallbacks in the order chosen.
     */
    public List<NodeId> upTargets() {
        return upTargets;
    }

    /**
     * Fallback node to the home replica it stands in for, in the order chosen; empty for a strict
     * plan and when every home replica is up.
     */
    public Map<NodeId, NodeId> fallbacks() {
        return fallbacks;
    }

    /** Acknowledgements the write needs: W of n, plus one per pending replica. */
    public int required() {
        return required;
    }

    /** Whether enough targets (and fallbacks) are up to gather {@link #required} acknowledgements. */
    public boolean isSatisfiable() {
        return upTargets.size() >= required;
    }

    /** Whether {@code node} is a home replica, and so may coordinate this write. */
    public boolean isHomeReplica(NodeId node) {
        return homeReplicas.contains(node);
    }

    /**
     * The write as error messages name it, e.g. {@code write at W=QUORUM (n=3, plus 1 replica(s)
     * gaining the key in a ring change)}.
     *
     * @param operation {@code write} or {@code delete}
     */
    public String describe(String operation) {
        return operation + " at W=" + w + " (n=" + n
                + (pendingReplicas.isEmpty() ? "" : ", plus " + pendingReplicas.size() + " replica(s) gaining the key"
                + " in a ring change") + ")";
    }

    /** The error for an unsatisfiable plan: how many targets it needed up and how many are. */
    public UnavailableException unavailable(String operation) {
        return UnavailableException.of(describe(operation), required, upTargets.size());
    }

    @Override
    public String toString() {
        return "WritePlan[n=" + n + ", w=" + w + ", home=" + homeReplicas + ", pending=" + pendingReplicas + ", up="
                + upTargets + (fallbacks.isEmpty() ? "" : ", fallbacks=" + fallbacks) + ", required=" + required + "]";
    }
}
