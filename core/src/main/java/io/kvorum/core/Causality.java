package io.kvorum.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The causal rules of Kvorum's data model, as pure functions over the records of one key.
 *
 * <p>Each write is a {@link Record} named by a unique {@link Dot} and carrying the context (version
 * vector) its writer had read. This is the dotted-version-vector scheme of Preguiça et al.,
 * "Dotted Version Vectors: Logical Clocks for Optimistic Replication" (2010), kept as a set of
 * records per key:
 * <ul>
 *   <li>record {@code a} is <em>obsolete</em> when another record {@code b} of the key has
 *       {@code b.context[a.dot.actor] >= a.dot.counter}: b's writer had seen a;
 *   <li>a key's value is its records that are not obsolete ({@link #resolve}): one is a plain
 *       value, several are siblings (writes that did not see each other), a lone tombstone is a
 *       delete;
 *   <li>a read returns the survivors and their {@link #join}: every survivor's context and dot.
 *       A write made with that context supersedes exactly what the reader saw;
 *   <li>two replicas' states merge by union followed by {@code resolve} ({@link #merge}), which is
 *       commutative, associative and idempotent, so read repair, hinted handoff, anti-entropy and
 *       streaming are all the same operation.
 * </ul>
 *
 * <p>One condition makes the vector reading "everything of actor A up to counter c was seen" safe:
 * a replica must never hold a later dot of A for a key without every earlier, still-live record
 * of A for that key. The coordinator guarantees it by sending its surviving local records along
 * with each new one, and {@link #survivorsToShip} computes that set.
 */
public final class Causality {
    private static final Comparator<Record> BY_DOT = Comparator.comparing(Record::dot);

    private Causality() {
    }

    /** True when {@code b} makes {@code a} obsolete: b's writer had seen a, and they are different writes. */
    public static boolean obsolete(Record a, Record b) {
        return !a.dot().equals(b.dot()) && b.context().covers(a.dot());
    }

    /**
     * The records that are not obsolete, each dot once, in dot order, as an unmodifiable list.
     * All records must be of one key.
     *
     * <p>Runs in O(n log n + e) for n records with e vector entries in all. A record is obsolete when
     * some <em>other</em> record's context covers its dot, so it is enough to know, per actor, the
     * highest counter any context holds and which record holds it, and the highest held by any other
     * record: one pass over the contexts, then one look-up per record. The pairwise check this
     * replaces was quadratic, and a key flooded with blind writes (thousands of siblings) stalled
     * the storage threads that resolve it.
     */
    public static List<Record> resolve(Collection<Record> records) {
        List<Record> distinct = distinctByDot(records);
        int n = distinct.size();
        if (n <= 1) {
            return n == 0 ? List.of() : List.of(distinct.get(0));
        }
        Map<Actor, Coverage> coverage = new HashMap<>();
        for (Record b : distinct) {
            VersionVector context = b.context();
            for (int i = 0; i < context.size(); i++) {
                coverage.computeIfAbsent(context.actor(i), x -> new Coverage()).offer(context.counter(i), b.dot());
            }
        }
        List<Record> survivors = new ArrayList<>(n);
        for (Record a : distinct) {
            Coverage c = coverage.get(a.dot().actor());
            if (c == null || c.byOthers(a.dot()) < a.dot().counter()) {
                survivors.add(a);
            }
        }
        return Collections.unmodifiableList(survivors);
    }

    /** The two highest counters the contexts hold for one actor, from two different records. */
    private static final class Coverage {
        private long top;
        private Dot topHolder;
        private long second;

        void offer(long counter, Dot holder) {
            if (counter > top) {
                if (!holder.equals(topHolder)) {
                    second = top;
                }
                top = counter;
                topHolder = holder;
            } else if (counter > second && !holder.equals(topHolder)) {
                second = counter;
            }
        }

        /** The highest counter held by a record other than {@code self}. */
        long byOthers(Dot self) {
            return self.equals(topHolder) ? second : top;
        }
    }

    /**
     * The causal context a reader gets for {@code records}: the join of every record's context
     * and dot. Writing with it supersedes every one of them.
     */
    public static VersionVector join(Collection<Record> records) {
        VersionVector v = VersionVector.EMPTY;
        for (Record r : records) {
            v = v.join(r.context()).with(r.dot());
        }
        return v;
    }

    /** The merged state of two replicas' records of one key: union, then {@link #resolve}. */
    public static List<Record> merge(Collection<Record> a, Collection<Record> b) {
        List<Record> union = new ArrayList<>(a.size() + b.size());
        union.addAll(a);
        union.addAll(b);
        return resolve(union);
    }

    /**
     * What a coordinator sends to replicas with a new write: the local records of the key that the
     * new record does not supersede. Shipping them keeps every replica that holds the new dot also
     * holding the same actor's earlier live records, so a context read there never claims to have
     * seen a record the replica lacks (see the class comment).
     */
    public static List<Record> survivorsToShip(Collection<Record> local, Record written) {
        List<Record> keep = new ArrayList<>(local.size());
        for (Record r : resolve(local)) {
            if (!obsolete(r, written) && !r.dot().equals(written.dot())) {
                keep.add(r);
            }
        }
        return keep;
    }

    private static List<Record> distinctByDot(Collection<Record> records) {
        List<Record> sorted = new ArrayList<>(records);
        if (sorted.size() <= 1) {
            return sorted;
        }
        sorted.sort(BY_DOT);
        int n = 1;
        for (int i = 1; i < sorted.size(); i++) {
            if (!sorted.get(i).dot().equals(sorted.get(n - 1).dot())) {
                sorted.set(n++, sorted.get(i));
            }
        }
        return new ArrayList<>(sorted.subList(0, n));
    }
}
