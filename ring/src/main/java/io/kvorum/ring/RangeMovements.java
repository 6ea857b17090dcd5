package io.kvorum.ring;

import io.kvorum.core.Checks;
import io.kvorum.core.NodeId;
import io.kvorum.core.TokenRange;
import io.kvorum.ring.Ring;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Which data must move when the ring changes from one snapshot to another: for every node that
 * becomes a replica of a range it did not replicate before, that range and the nodes that held it.
 *
 * <p>The ring is cut at every token of either snapshot, so that within each piece both snapshots
 * place keys alike; a piece's replicas are then one preference-list lookup in each. Adjacent pieces
 * with the same destination and sources are merged into one movement. Every source of a movement is
 * listed, live or not: a join pulls from every live one and merges by union, which is what makes the
 * destination hold every write a quorum acknowledged (one source alone might have missed it).
 */
public final class RangeMovements {
    private RangeMovements() {
    }

    /** {@code destination} must fetch {@code range} from {@code sources}, the range's replicas before the change. */
    public record Movement(NodeId destination, TokenRange range, List<NodeId> sources) {
        public Movement {
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(range, "range");
            sources = List.copyOf(sources);
        }
    }

    /** The movements that take data placed by {@code from} to where {@code to} places it, at replication factor rf. */
    public static List<Movement> between(Ring from, Ring to, int replicationFactor) {
        Checks.requirePositive(replicationFactor, "replication factor");
        if (from.isEmpty() || to.isEmpty()) {
            return List.of();
        }
        TreeSet<Long> cuts = new TreeSet<>();
        for (NodeId n : from.nodes()) {
            cuts.addAll(from.tokensOf(n));
        }
        for (NodeId n : to.nodes()) {
            cuts.addAll(to.tokensOf(n));
        }
        List<Movement> movements = new ArrayList<>();
        long previous = cuts.last();
        for (long cut : cuts) {
            TokenRange piece = TokenRange.of(previous, cut);
            previous = cut;
            List<NodeId> before = from.preferenceList(cut, replicationFactor);
            for (NodeId destination : to.preferenceList(cut, replicationFactor)) {
                if (!before.contains(destination)) {
                    add(movements, new Movement(destination, piece, before));
                }
            }
        }
        return mergeWrapAround(movements);
    }

    /** Appends, extending an earlier movement of the same destination and sources that ends where this one starts. */
    private static void add(List<Movement> movements, Movement m) {
        for (int i = movements.size() - 1; i >= 0 && i >= movements.size() - 8; i--) {
            Movement prior = movements.get(i);
            if (prior.destination().equals(m.destination()) && prior.sources().equals(m.sources())
                    && prior.range().end() == m.range().start() && !prior.range().isFull()) {
                movements.set(i, new Movement(m.destination(), TokenRange.of(prior.range().start(), m.range().end()),
                        m.sources()));
                return;
            }
        }
        movements.add(m);
    }

    /** The first piece starts at the last cut; join a final movement that ends where a first one starts. */
    private static List<Movement> mergeWrapAround(List<Movement> movements) {
        List<Movement> result = new ArrayList<>(movements);
        for (int i = result.size() - 1; i > 0; i--) {
            Movement last = result.get(i);
            for (int j = 0; j < i; j++) {
                Movement first = result.get(j);
                if (first.destination().equals(last.destination()) && first.sources().equals(last.sources())
                        && last.range().end() == first.range().start() && !first.range().isFull()
                        && !last.range().isFull() && last.range().start() != first.range().end()) {
                    result.set(j, new Movement(first.destination(), TokenRange.of(last.range().start(),
                            first.range().end()), first.sources()));
                    result.remove(i);
                    break;
                }
            }
        }
        return List.copyOf(result);
    }
}
