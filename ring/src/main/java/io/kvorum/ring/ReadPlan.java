package io.kvorum.ring;

import io.kvorum.core.Checks;
import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Where one read goes and how many replies it needs, as a pure function of the ring, the key, n,
 * R and who is believed up: the read-side twin of {@link WritePlan}.
 *
 * <p>Reads ask the current ring only. A replica that is gaining the key in a ring change may not
 * have streamed it yet, so counting it toward R could answer from a replica that knows nothing;
 * the current replicas keep the key until the change completes, and writes go to both.
 *
 * <p>Immutable; the lists are unmodifiable.
 */
public final class ReadPlan {
    private final int n;
    private final Consistency r;
    private final List<NodeId> replicas;
    private final List<NodeId> upReplicas;
    private final int required;

    private ReadPlan(int n, Consistency r, List<NodeId> replicas, List<NodeId> upReplicas) {
        this.n = n;
        this.r = r;
        this.replicas = replicas;
        this.upReplicas = upReplicas;
        this.required = r.required(n);
    }

    /**
     * The plan for reading {@code key} from {@code n} replicas at {@code r}.
     *
     * @param self the coordinating node, counted up whatever {@code isUp} says
     * @param isUp whether a node is believed up; asked only of replicas other than self
     */
    public static ReadPlan of(Ring ring, Key key, int n, Consistency r, NodeId self, Predicate<NodeId> isUp) {
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(key, "key");
        Checks.requirePositive(n, "n");
        Objects.requireNonNull(r, "r");
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(isUp, "isUp");
        List<NodeId> replicas = ring.preferenceList(key, n);
        List<NodeId> up = new ArrayList<>(replicas.size());
        for (NodeId node : replicas) {
            if (node.equals(self) || isUp.test(node)) {
                up.add(node);
            }
        }
        return new ReadPlan(n, r, replicas, List.copyOf(up));
    }

    /** The key's preference list of n in the current ring. */
    public List<NodeId> replicas() {
        return replicas;
    }

    /** The replicas believed up (self always), in preference order: the nodes the read asks. */
    public List<NodeId> upReplicas() {
        return upReplicas;
    }

    /** Replies the read needs: R of n. */
    public int required() {
        return required;
    }

    /** Whether enough replicas are up to gather {@link #required} replies. */
    public boolean isSatisfiable() {
        return upReplicas.size() >= required;
    }

    /** Whether {@code node} is a replica of the key, and so may coordinate this read. */
    public boolean isReplica(NodeId node) {
        return replicas.contains(node);
    }

    /** The read as error messages name it, e.g. {@code read at R=QUORUM (n=3)}. */
    public String describe() {
        return "read at R=" + r + " (n=" + n + ")";
    }

    /** The error for an unsatisfiable plan: how many replicas it needed up and how many are. */
    public UnavailableException unavailable() {
        return UnavailableException.of(describe(), required, upReplicas.size());
    }

    @Override
    public String toString() {
        return "ReadPlan[n=" + n + ", r=" + r + ", replicas=" + replicas + ", up=" + upReplicas + ", required="
                + required + "]";
    }
}
