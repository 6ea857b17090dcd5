package io.kvorum.sim;

import io.kvorum.core.Scheduler;
import io.kvorum.core.contract.SchedulerContract;
import io.kvorum.core.contract.SchedulerHarness;
import java.util.function.BooleanSupplier;

/** The scheduler contract on the simulation loop, which jumps straight to the next event. */
class SimLoopSchedulerContractTest extends SchedulerContract {
    @Override
    protected SchedulerHarness harness() {
        SimLoop loop = new SimLoop();
        return new SchedulerHarness() {
            @Override
            public Scheduler scheduler() {
                return loop;
            }

            @Override
            public long nanoTime() {
                return loop.nanoTime();
            }

            @Override
            public void runUntil(String what, BooleanSupplier condition) {
                loop.runUntil(condition, 10_000);
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
