package io.kvorum.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * A model of one replica set running DESIGN.md's write protocol on a few keys, for checking the
 * causal laws on histories that the real protocol can produce.
 *
 * <p>Every replica may coordinate. A write takes its context from a read at some replica (now, or
 * an earlier read a client kept), or none (blind); the coordinator makes a record with its next
 * dot, applies it, and ships it with its surviving local records to the replicas the message
 * reaches. Anti-entropy copies a replica's live records to another. A crash loses the most recent
 * deliveries a replica had received (the tail of a commit log that was never fsynced) and starts
 * a new epoch. A delivery is lost whole or not at all: storage applies a batch atomically, and
 * the laws below fail without that (a replica that kept a shipped record but lost the survivors
 * shipped with it would hold a later dot without the earlier one).
 *
 * <p>For every write the model records its causal past: the dots of the records its context came
 * from, and their pasts. The laws compare what {@link Causality} decides with that ground truth.
 */
final class ReplicatedHistory {

    /** What a coordinator sends with a new record; the second is the broken variant DESIGN.md warns of. */
    enum Shipping { SURVIVORS, NEW_RECORD_ONLY }

    sealed interface Step permits Write, Sync, Crash {
    }

    /**
     * @param contextFrom -1 for a blind write; {@code 0..replicas-1} to read at that replica now;
     *                    {@code >= replicas} to reuse an earlier read (index modulo their count)
     * @param deliverMask bit i set: replica i receives the shipped records
     */
    record Write(int coordinator, int contextFrom, int key, boolean tombstone, int deliverMask) implements Step {
    }

    record Sync(int from, int to, int key) implements Step {
    }

    record Crash(int node, int lostDeliveries) implements Step {
    }

    /** A read a client made: the context it got and the dots it had thereby seen. */
    record Read(int key, List<Record> siblings, VersionVector context, Set<Dot> seen) {
    }

    final int replicas;
    final int keys;
    private final Shipping shipping;
    private final boolean newEpochAfterCrash;
    /** held.get(replica).get(key): every record the replica stores (a union; reads resolve it). */
    private final List<List<List<Record>>> held = new ArrayList<>();
    /** Per replica, the records each delivery added, in order, for crashes to lose the latest. */
    private final List<List<List<Record>>> deliveries = new ArrayList<>();
    private final Map<Dot, Set<Dot>> past = new HashMap<>();
    private final List<Record> written = new ArrayList<>();
    private final List<Read> reads = new ArrayList<>();
    private final int[] epoch;
    private final long[] counter;
    private long clock = 1_000;

    ReplicatedHistory(int replicas, int keys, Shipping shipping, boolean newEpochAfterCrash) {
        this.replicas = replicas;
        this.keys = keys;
        this.shipping = shipping;
        this.newEpochAfterCrash = newEpochAfterCrash;
        this.epoch = new int[replicas];
        this.counter = new long[replicas];
        for (int r = 0; r < replicas; r++) {
            List<List<Record>> perKey = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                perKey.add(new ArrayList<>());
            }
            held.add(perKey);
            deliveries.add(new ArrayList<>());
        }
    }

    static ReplicatedHistory run(List<Step> steps, int replicas, int keys, Shipping shipping, boolean newEpochAfterCrash) {
        ReplicatedHistory h = new ReplicatedHistory(replicas, keys, shipping, newEpochAfterCrash);
        for (Step s : steps) {
            h.apply(s);
        }
        return h;
    }

    static Arbitrary<List<Step>> steps(int replicas, int keys) {
        Arbitrary<Step> write = Combinators.combine(
                        Arbitraries.integers().between(0, replicas - 1),
                        Arbitraries.integers().between(-1, replicas + 3),
                        Arbitraries.integers().between(0, keys - 1),
                        Arbitraries.of(false, false, false, true),
                        Arbitraries.integers().between(0, (1 << replicas) - 1))
                .as(Write::new);
        Arbitrary<Step> sync = Combinators.combine(
                        Arbitraries.integers().between(0, replicas - 1),
                        Arbitraries.integers().between(0, replicas - 1),
                        Arbitraries.integers().between(0, keys - 1))
                .as(Sync::new);
        Arbitrary<Step> crash = Combinators.combine(
                        Arbitraries.integers().between(0, replicas - 1),
                        Arbitraries.integers().between(0, 3))
                .as(Crash::new);
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(6, write),
                        net.jqwik.api.Tuple.of(2, sync),
                        net.jqwik.api.Tuple.of(1, crash))
                .list().ofMaxSize(40);
    }

    void apply(Step step) {
        if (step instanceof Write w) {
            write(w);
        } else if (step instanceof Sync s) {
            deliver(s.to(), s.key(), Causality.resolve(held(s.from(), s.key())));
        } else if (step instanceof Crash c) {
            crash(c);
        }
    }

    /** What a client reading at {@code replica} gets for {@code key}. */
    Read read(int replica, int key) {
        List<Record> siblings = Causality.resolve(held(replica, key));
        Set<Dot> seen = new HashSet<>();
        for (Record r : siblings) {
            seen.add(r.dot());
            seen.addAll(past.get(r.dot()));
        }
        return new Read(key, siblings, Causality.join(siblings), seen);
    }

    List<Record> held(int replica, int key) {
        return held.get(replica).get(key);
    }

    /** Every record ever written, including ones that every replica has since lost. */
    List<Record> written() {
        return written;
    }

    /** The dots of every record {@code dot}'s writer had seen, directly or transitively. */
    Set<Dot> pastOf(Dot dot) {
        return past.get(dot);
    }

    private void write(Write w) {
        Read source;
        if (w.contextFrom() < 0) {
            source = new Read(w.key(), List.of(), VersionVector.EMPTY, Set.of());
        } else if (w.contextFrom() < replicas) {
            source = read(w.contextFrom(), w.key());
            reads.add(source);
        } else {
            List<Read> sameKey = reads.stream().filter(r -> r.key() == w.key()).toList();
            source = sameKey.isEmpty()
                    ? new Read(w.key(), List.of(), VersionVector.EMPTY, Set.of())
                    : sameKey.get(w.contextFrom() % sameKey.size());
        }
        int c = w.coordinator();
        Dot dot = new Dot(new Actor(new NodeId(100 + c), epoch[c]), ++counter[c]);
        Key key = Key.of("key-" + w.key());
        Record record = w.tombstone()
                ? Record.tombstone(key, dot, source.context(), clock++)
                : Record.value(key, dot, source.context(), clock++, ("value " + dot).getBytes());
        past.put(dot, Set.copyOf(source.seen()));
        written.add(record);

        List<Record> shipped = new ArrayList<>();
        shipped.add(record);
        if (shipping == Shipping.SURVIVORS) {
            shipped.addAll(Causality.survivorsToShip(held(c, w.key()), record));
        }
        deliver(c, w.key(), List.of(record));
        for (int r = 0; r < replicas; r++) {
            if (r != c && (w.deliverMask() & (1 << r)) != 0) {
                deliver(r, w.key(), shipped);
            }
        }
    }

    private void deliver(int replica, int key, List<Record> records) {
        List<Record> target = held(replica, key);
        List<Record> added = new ArrayList<>();
        for (Record r : records) {
            if (!target.contains(r)) {
                target.add(r);
                added.add(r);
            }
        }
        deliveries.get(replica).add(added);
    }

    private void crash(Crash c) {
        List<List<Record>> order = deliveries.get(c.node());
        for (int i = 0; i < c.lostDeliveries() && !order.isEmpty(); i++) {
            for (Record lost : order.remove(order.size() - 1)) {
                for (List<Record> perKey : held.get(c.node())) {
                    perKey.remove(lost);
                }
            }
        }
        if (newEpochAfterCrash) {
            epoch[c.node()]++;
        }
    }
}
