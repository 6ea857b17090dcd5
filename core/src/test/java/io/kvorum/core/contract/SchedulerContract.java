package io.kvorum.core.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.kvorum.core.Scheduler;
import io.kvorum.core.Scheduler.Cancellable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Scheduler} promises, run against the production executor, the simulation loop
 * and the manual test scheduler, so protocol timers behave alike in all three.
 *
 * <p>How it proves that something did not happen without sleeping: after the thing that must not
 * run, it schedules a marker due later and waits for the marker. Every implementation runs tasks
 * in due order on one thread, so once the marker has run, anything due before it that was going to
 * run has run.
 */
public abstract class SchedulerContract {
    private SchedulerHarness harness;

    protected abstract SchedulerHarness harness();

    @BeforeEach
    final void openHarness() {
        harness = harness();
    }

    @AfterEach
    final void closeHarness() {
        harness.close();
    }

    /** Schedules a marker {@code delayMs} from now and lets time pass until it has run. */
    private void passTime(long delayMs) {
        CountDownLatch marker = new CountDownLatch(1);
        harness.scheduler().schedule(marker::countDown, delayMs, TimeUnit.MILLISECONDS);
        harness.runUntil("a marker " + delayMs + " ms later ran", () -> marker.getCount() == 0);
    }

    @Test
    void aTaskScheduledOnceRunsOnceAfterItsDelay() {
        AtomicInteger runs = new AtomicInteger();
        AtomicLong ranAt = new AtomicLong();
        long scheduledAt = harness.nanoTime();
        harness.scheduler().schedule(() -> {
            ranAt.set(harness.nanoTime());
            runs.incrementAndGet();
        }, 20, TimeUnit.MILLISECONDS);
        harness.runUntil("the task ran", () -> runs.get() > 0);
        assertThat(ranAt.get() - scheduledAt).as("nanos from schedule to run")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
        passTime(60);
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void aTaskWithNoDelayRuns() {
        AtomicInteger runs = new AtomicInteger();
        harness.scheduler().schedule(runs::incrementAndGet, 0, TimeUnit.MILLISECONDS);
        harness.runUntil("the task ran", () -> runs.get() == 1);
    }

    @Test
    void cancellingBeforeTheDelayPreventsTheRun() {
        AtomicInteger runs = new AtomicInteger();
        Cancellable c = harness.scheduler().schedule(runs::incrementAndGet, 20, TimeUnit.MILLISECONDS);
        c.cancel();
        passTime(60);
        assertThat(runs.get()).isZero();
    }

    @Test
    void cancelIsIdempotentAndHarmlessAfterTheRun() {
        AtomicInteger runs = new AtomicInteger();
        Cancellable ran = harness.scheduler().schedule(runs::incrementAndGet, 1, TimeUnit.MILLISECONDS);
        harness.runUntil("the task ran", () -> runs.get() == 1);
        ran.cancel();
        ran.cancel();
        Cancellable pending = harness.scheduler().schedule(runs::incrementAndGet, 10, TimeUnit.MILLISECONDS);
        pending.cancel();
        pending.cancel();
        passTime(40);
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void aFixedDelayTaskRepeatsUntilItIsCancelled() {
        AtomicInteger runs = new AtomicInteger();
        List<Long> at = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Cancellable> handle = new AtomicReference<>();
        // The task cancels itself on its third run, so no run can be in progress at the cancel.
        handle.set(harness.scheduler().scheduleWithFixedDelay(() -> {
            at.add(harness.nanoTime());
            if (runs.incrementAndGet() == 3) {
                handle.get().cancel();
            }
        }, 5, 10, TimeUnit.MILLISECONDS));
        harness.runUntil("three runs", () -> runs.get() == 3);
        passTime(60);
        assertThat(runs.get()).as("runs after the cancel").isEqualTo(3);
        for (int i = 1; i < at.size(); i++) {
            assertThat(at.get(i) - at.get(i - 1)).as("nanos between runs %d and %d", i - 1, i)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Test
    void aPeriodicTaskCancelledFromOutsideStops() {
        AtomicInteger runs = new AtomicInteger();
        Cancellable c = harness.scheduler().scheduleWithFixedDelay(runs::incrementAndGet, 1, 5, TimeUnit.MILLISECONDS);
        harness.runUntil("two runs", () -> runs.get() >= 2);
        c.cancel();
        c.cancel();
        // A run in progress at the cancel may still complete; none starts after it.
        int atCancel = runs.get();
        passTime(50);
        assertThat(runs.get()).isBetween(atCancel, atCancel + 1);
        int settled = runs.get();
        passTime(50);
        assertThat(runs.get()).isEqualTo(settled);
    }

    @Test
    void tasksDueAtTheSameTimeRunInTheOrderTheyWereScheduled() {
        assumeThat(harness.runsTiesInOrder()).as("this scheduler promises order of ties").isTrue();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 10; i++) {
            int n = i;
            harness.scheduler().schedule(() -> order.add(n), 10, TimeUnit.MILLISECONDS);
        }
        harness.scheduler().schedule(() -> order.add(-1), 5, TimeUnit.MILLISECONDS);
        harness.runUntil("every task ran", () -> order.size() == 11);
        assertThat(order).containsExactly(-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }
}
