package io.kvorum.core;

import java.util.Arrays;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A version vector: for each actor, the highest counter of that actor's writes that are known.
 *
 * <p>In Kvorum a vector is the causal context of a write: what its writer had read. Record
 * {@code a} is obsolete when some record of the same key has a context with
 * {@code context[a.dot.actor] >= a.dot.counter}. Because counters are node-wide, a vector entry
 * {@code c} is read as "every write of this actor, to this key, with a counter up to c, was seen";
 * the coordinator's shipping of survivors (see {@link Causality}) is what keeps that reading true.
 *
 * <p>Immutable. Entries are kept as parallel arrays sorted by actor, so lookup is a binary search
 * and join is a linear merge; vectors stay small because only a key's replicas coordinate its
 * writes.
 */
public final class VersionVector {
    public static final VersionVector EMPTY = new VersionVector(new Actor[0], new long[0]);

    private final Actor[] actors;
    private final long[] counters;

    private VersionVector(Actor[] actors, long[] counters) {
        this.actors = actors;
        this.counters = counters;
    }

    /**
     * A vector from entries already sorted by actor, each actor once, each counter positive; the
     * arrays are adopted. Checked, because decoders feed it bytes from disk and the network.
     */
    static VersionVector ofSorted(Actor[] actors, long[] counters) {
        // Messages are built only on failure: this runs for every decoded record and context, and
        // building them eagerly cost 3.5% of a node's CPU under load.
        if (actors.length != counters.length) {
            Checks.require(false, "counters length", counters.length, "== actors length " + actors.length);
        }
        for (int i = 0; i < actors.length; i++) {
            if (counters[i] <= 0) {
                Checks.require(false, "counter of " + actors[i], counters[i], "> 0");
            }
            if (i > 0 && actors[i - 1].compareTo(actors[i]) >= 0) {
                Checks.require(false, "actor order", actors[i], "actors strictly increasing, after " + actors[i - 1]);
            }
        }
        return actors.length == 0 ? EMPTY : new VersionVector(actors, counters);
    }

    /** The vector covering exactly the given dots (the highest counter per actor). */
    public static VersionVector of(Dot... dots) {
        VersionVector v = EMPTY;
        for (Dot d : dots) {
            v = v.with(d);
        }
        return v;
    }

    /** The vector with the given entries. */
    public static VersionVector of(Map<Actor, Long> entries) {
        VersionVector v = EMPTY;
        for (Map.Entry<Actor, Long> e : entries.entrySet()) {
            v = v.with(new Dot(e.getKey(), e.getValue()));
        }
        return v;
    }

    /** The counter for {@code actor}, or 0 when the vector has no entry for it. */
    public long get(Actor actor) {
        int i = Arrays.binarySearch(actors, actor);
        return i >= 0 ? counters[i] : 0;
    }

    /** True when this vector records having seen the write named {@code dot}. */
    public boolean covers(Dot dot) {
        return get(dot.actor()) >= dot.counter();
    }

    /** True when this vector has seen everything {@code other} has (pointwise {@code >=}). */
    public boolean descends(VersionVector other) {
        for (int i = 0; i < other.actors.length; i++) {
            if (get(other.actors[i]) < other.counters[i]) {
                return false;
            }
        }
        return true;
    }

    /** The pointwise maximum of this vector and {@code other}. */
    public VersionVector join(VersionVector other) {
        if (other.actors.length == 0 || this == other) {
            return this;
        }
        if (actors.length == 0) {
            return other;
        }
        Actor[] a = new Actor[actors.length + other.actors.length];
        long[] c = new long[a.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < actors.length || j < other.actors.length) {
            int cmp = i == actors.length ? 1 : j == other.actors.length ? -1 : actors[i].compareTo(other.actors[j]);
            if (cmp < 0) {
                a[n] = actors[i];
                c[n++] = counters[i++];
            } else if (cmp > 0) {
                a[n] = other.actors[j];
                c[n++] = other.counters[j++];
            } else {
                a[n] = actors[i];
                c[n++] = Math.max(counters[i++], other.counters[j++]);
            }
        }
        return new VersionVector(Arrays.copyOf(a, n), Arrays.copyOf(c, n));
    }

    /** This vector joined with the single entry of {@code dot}. */
    public VersionVector with(Dot dot) {
        int i = Arrays.binarySearch(actors, dot.actor());
        if (i >= 0) {
            if (counters[i] >= dot.counter()) {
                return this;
            }
            long[] c = counters.clone();
            c[i] = dot.counter();
            return new VersionVector(actors, c);
        }
        int at = -i - 1;
        Actor[] a = new Actor[actors.length + 1];
        long[] c = new long[actors.length + 1];
        System.arraycopy(actors, 0, a, 0, at);
        System.arraycopy(counters, 0, c, 0, at);
        a[at] = dot.actor();
        c[at] = dot.counter();
        System.arraycopy(actors, at, a, at + 1, actors.length - at);
        System.arraycopy(counters, at, c, at + 1, actors.length - at);
        return new VersionVector(a, c);
    }

    public int size() {
        return actors.length;
    }

    public boolean isEmpty() {
        return actors.length == 0;
    }

    /** The i-th actor in actor order. */
    public Actor actor(int i) {
        return actors[i];
    }

    /** The counter of the i-th actor in actor order. */
    public long counter(int i) {
        return counters[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionVector v && Arrays.equals(actors, v.actors) && Arrays.equals(counters, v.counters);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(actors) + Arrays.hashCode(counters);
    }

    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", "{", "}");
        for (int i = 0; i < actors.length; i++) {
            j.add(actors[i] + ":" + counters[i]);
        }
        return j.toString();
    }
}
