package io.kvorum.core.contract;

import io.kvorum.core.Scheduler;
import java.util.function.BooleanSupplier;

/**
 * What {@link SchedulerContract} needs of one scheduler: the scheduler, the clock it keeps time
 * by, and a way to let time pass until something holds (a real scheduler waits with a deadline; a
 * simulated or manual one moves its clock). Closing releases any threads.
 */
public interface SchedulerHarness extends AutoCloseable {

    Scheduler scheduler();

    /** The time the scheduler keeps, in nanoseconds from an arbitrary origin. */
    long nanoTime();

    /** Lets time pass until {@code condition} holds; fails naming {@code what} at a deadline of seconds. */
    void runUntil(String what, BooleanSupplier condition);

    /** Whether tasks due at the same time run in the order they were scheduled, as the implementation promises. */
    boolean runsTiesInOrder();

    @Override
    void close();
}
