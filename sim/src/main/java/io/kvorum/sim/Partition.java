package io.kvorum.sim;

import io.kvorum.core.Checks;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One partition of a simulated network: which of its members can reach which. The relation is
 * symmetric (a link is cut both ways, as a switch failure cuts it) and reflexive; a node that was
 * not a member when the partition was drawn (attached later) is cut off from no one.
 *
 * <p>A pure function of the mode, the members and the random draws, so a seed fixes it.
 */
public final class Partition {
    private final PartitionMode mode;
    private final Map<NodeId, Set<NodeId>> sees;

    private Partition(PartitionMode mode, Map<NodeId, Set<NodeId>> sees) {
        this.mode = mode;
        this.sees = sees;
    }

    /** Draws a partition of {@code mode} over {@code members} with {@code random}. */
    public static Partition draw(PartitionMode mode, Collection<NodeId> members, RandomSource random) {
        List<NodeId> order = new ArrayList<>(new LinkedHashSet<>(members));
        int n = order.size();
        int needed = switch (mode) {
            case HALVES, ISOLATE_ONE -> 2;
            case BRIDGE -> 3;
            case MAJORITIES_RING -> 4;
        };
        Checks.require(n >= needed, mode + " partition members", n, ">= " + needed);
        shuffle(order, random);
        Map<NodeId, Set<NodeId>> sees = new LinkedHashMap<>();
        switch (mode) {
            case HALVES -> {
                sides(sees, order.subList(0, n / 2), order.subList(n / 2, n));
            }
            case ISOLATE_ONE -> {
                sides(sees, order.subList(0, 1), order.subList(1, n));
            }
            case BRIDGE -> {
                NodeId bridge = order.get(0);
                List<NodeId> rest = order.subList(1, n);
                List<NodeId> left = rest.subList(0, rest.size() / 2);
                List<NodeId> right = rest.subList(rest.size() / 2, rest.size());
                sides(sees, left, right);
                sees.put(bridge, new LinkedHashSet<>(order));
                for (NodeId node : rest) {
                    sees.get(node).add(bridge);
                }
            }
            case MAJORITIES_RING -> {
                int majority = n / 2 + 1;
                // Neighbours within ring distance d, the least with 2d + 1 >= majority; then
                // 2d + 1 <= majority + 1 < n for n >= 4, so each node misses someone and no two
                // nodes' views (windows at different places on the ring) are the same.
                int d = majority / 2;
                for (int i = 0; i < n; i++) {
                    Set<NodeId> view = new LinkedHashSet<>();
                    for (int k = -d; k <= d; k++) {
                        view.add(order.get(Math.floorMod(i + k, n)));
                    }
                    sees.put(order.get(i), view);
                }
            }
        }
        Map<NodeId, Set<NodeId>> frozen = new LinkedHashMap<>();
        sees.forEach((node, view) -> frozen.put(node, Collections.unmodifiableSet(view)));
        return new Partition(mode, Collections.unmodifiableMap(frozen));
    }

    private static void sides(Map<NodeId, Set<NodeId>> sees, List<NodeId> a, List<NodeId> b) {
        for (List<NodeId> side : List.of(a, b)) {
            for (NodeId node : side) {
                sees.put(node, new LinkedHashSet<>(side));
            }
        }
    }

    /** Fisher-Yates with the network's source, so the draw replays. */
    private static void shuffle(List<NodeId> list, RandomSource random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            NodeId t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    public PartitionMode mode() {
        return mode;
    }

    /** Whether a message from {@code a} can reach {@code b} (and so back). */
    public boolean connected(NodeId a, NodeId b) {
        Set<NodeId> view = sees.get(a);
        return view == null || !sees.containsKey(b) || view.contains(b);
    }

    /** The members {@code node} sees, itself included; empty when it is not a member. */
    public Set<NodeId> seenBy(NodeId node) {
        return sees.getOrDefault(node, Set.of());
    }

    /** The members it was drawn over. */
    public Set<NodeId> members() {
        return sees.keySet();
    }

    @Override
    public String toString() {
        return mode + " " + sees;
    }
}
