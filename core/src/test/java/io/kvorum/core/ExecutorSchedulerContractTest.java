package io.kvorum.core;

import io.kvorum.core.contract.SchedulerContract;
import io.kvorum.core.contract.SchedulerHarness;
import io.kvorum.core.testing.Await;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The scheduler contract on the production scheduler, in real time, waiting with a deadline. */
class ExecutorSchedulerContractTest extends SchedulerContract {

    @Override
    protected SchedulerHarness harness() {
        ExecutorScheduler scheduler = new ExecutorScheduler("scheduler-contract");
        return new SchedulerHarness() {
            @Override
            public Scheduler scheduler() {
                return scheduler;
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void runUntil(String what, BooleanSupplier condition) {
                Await.until(what, Duration.ofSeconds(10), condition);
            }

            /**
             * In practice a ScheduledThreadPoolExecutor breaks ties by submission order, but
             * ExecutorScheduler does not promise it, and protocol code must not rely on it.
             */
            @Override
            public boolean runsTiesInOrder() {
                return false;
            }

            @Override
            public void close() {
                scheduler.close();
            }
        };
    }
}
