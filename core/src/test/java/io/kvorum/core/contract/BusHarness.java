package io.kvorum.core.contract;

import io.kvorum.core.MessageBus;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What {@link MessageBusContract} needs of one bus implementation: make buses, connect them, stop
 * one, and let time pass until something holds. A real bus waits on its threads with a deadline;
 * a simulated one runs its loop, bounded in simulated time. Either way the contract never sleeps.
 *
 * <p>Every bus a harness starts is closed by {@link #close()}, even when a test fails half-way.
 */
public interface BusHarness extends AutoCloseable {

    /**
     * Builds the bus of node {@code id} over {@link BusContractMessages#types()}, lets
     * {@code handlers} register on it (as every bus requires, before it starts), and starts it.
     */
    MessageBus start(long id, Consumer<MessageBus> handlers);

    /** Tells {@code from} where {@code to} listens, as membership would. */
    void introduce(MessageBus from, MessageBus to);

    /** Stops {@code bus} as a crash or a shutdown would, and returns once the other buses can tell. */
    void stop(MessageBus bus);

    /**
     * Lets the buses work until {@code condition} holds; throws {@link AssertionError} (or
     * {@link IllegalStateException} for a simulation out of events) naming {@code what} at a
     * deadline of some seconds, real or simulated.
     */
    void runUntil(String what, BooleanSupplier condition);

    @Override
    void close();
}
