package io.kvorum.core.testing;

import io.kvorum.core.Scheduler;
import io.kvorum.core.contract.SchedulerContract;
import io.kvorum.core.contract.SchedulerHarness;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The scheduler contract on the test double, which moves time a millisecond at a time. */
class ManualSchedulerContractTest extends SchedulerContract {
    private static final long LIMIT_MS = 10_000;

    @Override
    protected SchedulerHarness harness() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        return new SchedulerHarness() {
            @Override
            public Scheduler scheduler() {
                return scheduler;
            }

            @Override
            public long nanoTime() {
                return clock.nanoTime();
            }

            @Override
            public void runUntil(String what, BooleanSupplier condition) {
                for (long ms = 0; !condition.getAsBoolean(); ms++) {
                    if (ms == LIMIT_MS) {
                        throw new AssertionError("not within " + LIMIT_MS + " ms of manual time: " + what);
                    }
                    scheduler.advance(1, TimeUnit.MILLISECONDS);
                }
            }

            @Override
            public boolean runsTiesInOrder() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }
}
