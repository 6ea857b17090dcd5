package io.kvorum.core;

/**
 * The unique name of one write: the actor that coordinated it and that actor's counter at the time.
 * Counters are node-wide and strictly increasing, so no two writes ever share a dot.
 */
public record Dot(Actor actor, long counter) implements Comparable<Dot> {

    public Dot {
        Checks.require(actor != null, "actor", null, "an Actor");
        Checks.require(counter > 0, "counter", counter, "> 0");
    }

    @Override
    public int compareTo(Dot o) {
        int c = actor.compareTo(o.actor);
        return c != 0 ? c : Long.compare(counter, o.counter);
    }

    @Override
    public String toString() {
        return actor + ":" + counter;
    }
}
