package io.kvorum.core;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Everything a part of a node takes from its surroundings: the bus to other nodes, time, timers,
 * randomness, and the executor for storage work. One value instead of five arguments, so that a
 * part's constructor names what it needs of its own (store, options) and nothing else.
 *
 * <p>A node makes one and hands each part its own {@link #forPart copy}: every part gets an
 * independent random stream split from the node's root source, so one part drawing more numbers
 * never changes what another draws (a seeded simulation replays even after a part changes).
 *
 * @param bus     the only way to other nodes ({@link MessageBus#self()} is this node)
 * @param clock   the only source of time
 * @param scheduler the only way to run later; tasks must not block
 * @param random  the only source of randomness; not thread-safe, one per part
 * @param storage where storage work (reads, applies, durable waits) runs, off the bus's threads
 */
public record Seams(MessageBus bus, Clock clock, Scheduler scheduler, RandomSource random, Executor storage) {
    public Seams {
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(storage, "storage");
    }

    /** This node. */
    public NodeId self() {
        return bus.self();
    }

    /** The same seams with a random source of the part's own, split from this one's. */
    public Seams forPart() {
        return new Seams(bus, clock, scheduler, random.split(), storage);
    }
}
