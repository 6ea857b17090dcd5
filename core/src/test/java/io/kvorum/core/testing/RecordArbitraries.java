package io.kvorum.core.testing;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators for the core vocabulary, shared by every module's properties. */
public final class RecordArbitraries {
    private RecordArbitraries() {
    }

    /** Actors from a small pool, so that vectors and dots collide on actors often. */
    public static Arbitrary<Actor> actors() {
        return Combinators.combine(Arbitraries.of(1L, 2L, 3L, -7L, Long.MAX_VALUE), Arbitraries.integers().between(0, 2))
                .as((n, e) -> new Actor(new NodeId(n), e));
    }

    public static Arbitrary<Dot> dots() {
        return Combinators.combine(actors(), Arbitraries.longs().between(1, 12)).as(Dot::new);
    }

    public static Arbitrary<VersionVector> vectors() {
        return dots().list().ofMaxSize(5).map(ds -> VersionVector.of(ds.toArray(new Dot[0])));
    }

    /** Keys from a small pool (so records share keys) mixed with arbitrary bytes. */
    public static Arbitrary<Key> keys() {
        Arbitrary<Key> named = Arbitraries.of("a", "b", "c", "key-1", "", "ü").map(Key::of);
        Arbitrary<Key> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(Key::of);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, named), net.jqwik.api.Tuple.of(1, raw));
    }

    public static Arbitrary<byte[]> values() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    /** Arbitrary records, values and tombstones, with arbitrary (possibly wide) vectors and timestamps. */
    public static Arbitrary<Record> records() {
        Arbitrary<Long> timestamps = Arbitraries.longs().between(0, Long.MAX_VALUE).edgeCases(c -> c.add(0L));
        return Combinators.combine(keys(), dots(), vectors(), timestamps, values().injectNull(0.2))
                .as((k, d, ctx, ts, v) -> v == null ? Record.tombstone(k, d, ctx, ts) : Record.value(k, d, ctx, ts, v));
    }

    /**
     * A pool of records of one key as some causal history could produce it: each dot unique, and
     * each record's context the join of the contexts and dots of a subset of earlier records (what
     * its writer read). Every record has its own actor so that a context covers exactly what was
     * joined into it. That makes "covers" transitive, as it is for every context a real read
     * returns, and the merge laws depend on it.
     */
    public static Arbitrary<List<Record>> recordPoolOfOneKey() {
        return Combinators.combine(Arbitraries.longs().list().ofMaxSize(10), Arbitraries.integers().between(1, 4))
                .as((readMasks, tombstoneEvery) -> {
                    List<Record> pool = new ArrayList<>();
                    Key k = Key.of("k");
                    for (int i = 0; i < readMasks.size(); i++) {
                        VersionVector ctx = VersionVector.EMPTY;
                        for (int j = 0; j < i; j++) {
                            if ((readMasks.get(i) & (1L << j)) != 0) {
                                ctx = ctx.join(pool.get(j).context()).with(pool.get(j).dot());
                            }
                        }
                        Dot d = new Dot(new Actor(new NodeId(1000 + i), i % 2), 1 + i % 3);
                        pool.add(i % tombstoneEvery == tombstoneEvery - 1
                                ? Record.tombstone(k, d, ctx, 1000 + i)
                                : Record.value(k, d, ctx, 1000 + i, ("v" + d).getBytes()));
                    }
                    return pool;
                });
    }
}
