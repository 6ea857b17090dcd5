package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.testing.ManualClock;
import io.kvorum.core.testing.ManualScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The duty cycle on a hand-moved clock: work repeats while there is some, a bounded number of times
 * per turn; an idle agent waits its interval; a wake runs it early; a failure is counted and the
 * agent carries on; after close nothing runs.
 */
class AgentRunnerTest {
    private static final long IDLE_MS = 100;
    private static final int MAX_WORK_PER_TURN = 4;

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final LogCapture logs = new LogCapture("io.kvorum.core");

    @AfterEach
    void tearDown() {
        logs.close();
    }

    /** An agent whose work is given by {@code work}, counting its calls. */
    private static final class TestAgent implements Agent {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        volatile IntSupplier work;

        TestAgent(IntSupplier work) {
            this.work = work;
        }

        @Override
        public int doWork() {
            calls.incrementAndGet();
            return work.getAsInt();
        }

        @Override
        public String name() {
            return "test-agent";
        }

        @Override
        public void onClose() {
            closes.incrementAndGet();
        }
    }

    /** Work of {@code units} units, one per call, then idle. */
    private static IntSupplier units(int units) {
        AtomicInteger left = new AtomicInteger(units);
        return () -> left.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 1 : 0;
    }

    private AgentRunner inlineRunner(Agent agent) {
        return new AgentRunner(agent, scheduler, Runnable::run, clock, IDLE_MS, MAX_WORK_PER_TURN);
    }

    @Test
    void workRepeatsWhileTheAgentIsBusyAndATurnYieldsAtItsBound() {
        TestAgent agent = new TestAgent(units(10));
        AgentRunner runner = inlineRunner(agent);
        runner.start();
        assertThat(agent.calls).as("one turn stops at its bound").hasValue(MAX_WORK_PER_TURN);

        // The rest is due at once, but only when the scheduler runs it: 4 more, then 2 and the idle call.
        scheduler.advance(0, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(11);
        runner.close();
    }

    @Test
    void anIdleAgentWaitsItsIdleInterval() {
        TestAgent agent = new TestAgent(() -> 0);
        AgentRunner runner = inlineRunner(agent);
        runner.start();
        assertThat(agent.calls).hasValue(1);

        scheduler.advance(IDLE_MS - 1, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(1);
        scheduler.advance(1, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(2);
        scheduler.advance(10 * IDLE_MS, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(12);
        assertThat(scheduler.pendingTasks()).as("one timer, not one per turn").isEqualTo(1);
        runner.close();
    }

    @Test
    void aWakeRunsTheAgentAtOnceAndRestartsItsIdleInterval() {
        TestAgent agent = new TestAgent(() -> 0);
        AgentRunner runner = inlineRunner(agent);
        runner.start();
        scheduler.advance(IDLE_MS / 2, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(1);

        agent.work = units(1);
        runner.wake();
        assertThat(agent.calls).as("the unit of work and the idle call after it").hasValue(3);

        scheduler.advance(IDLE_MS - 1, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).as("the old timer was cancelled").hasValue(3);
        scheduler.advance(1, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(4);
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
        runner.close();
    }

    @Test
    void aWakeDuringATurnMakesItLookForWorkOnceMore() {
        AgentRunner[] runner = new AgentRunner[1];
        TestAgent agent = new TestAgent(() -> 0);
        agent.work = () -> {
            if (agent.calls.get() == 1) {
                runner[0].wake(); // as a flush on another thread would, while this unit runs
            }
            return 0;
        };
        runner[0] = inlineRunner(agent);
        runner[0].start();
        assertThat(agent.calls).hasValue(2);
        scheduler.advance(IDLE_MS - 1, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(2);
        runner[0].close();
    }

    @Test
    void aFailureIsCountedAndLoggedAndTheAgentKeepsRunning() {
        AtomicInteger failuresLeft = new AtomicInteger(2);
        TestAgent agent = new TestAgent(() -> {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("disk on fire");
            }
            return 0;
        });
        AgentRunner runner = inlineRunner(agent);
        runner.start();
        assertThat(runner.errors()).isEqualTo(1);
        runner.wake(); // a failed turn is over: a wake starts the next one
        assertThat(runner.errors()).isEqualTo(2);

        scheduler.advance(IDLE_MS - 1, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).as("no hot loop after a failure").hasValue(2);
        scheduler.advance(1, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(3);
        scheduler.advance(IDLE_MS, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(4);
        assertThat(runner.errors()).isEqualTo(2);
        assertThat(logs.warningsContaining("test-agent")).hasSize(2)
                .allMatch(l -> l.contains("disk on fire"));
        runner.close();
    }

    @Test
    void afterCloseNothingRunsAndCloseIsIdempotent() {
        TestAgent agent = new TestAgent(() -> 0);
        AgentRunner runner = inlineRunner(agent);
        runner.start();
        runner.close();
        runner.wake();
        scheduler.advance(10 * IDLE_MS, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).hasValue(1);
        assertThat(scheduler.pendingTasks()).isZero();
        runner.close();
        assertThat(agent.closes).hasValue(1);
    }

    @Test
    void theSchedulerOnlyTriggersTurnsThatRunOnTheGivenExecutor() {
        Queue<Runnable> executor = new ArrayDeque<>();
        TestAgent agent = new TestAgent(() -> 0);
        AgentRunner runner = new AgentRunner(agent, scheduler, executor::add, clock, IDLE_MS, MAX_WORK_PER_TURN);
        runner.start();
        runner.wake();
        assertThat(agent.calls).hasValue(0);
        assertThat(executor).as("one turn queued, however often it is woken").hasSize(1);

        executor.poll().run();
        assertThat(agent.calls).hasValue(1);
        scheduler.advance(IDLE_MS, TimeUnit.MILLISECONDS);
        assertThat(agent.calls).as("the timer queues the turn but does not run it").hasValue(1);
        assertThat(executor).hasSize(1);

        runner.close();
        executor.poll().run();
        assertThat(agent.calls).as("a turn queued before close runs as a no-op").hasValue(1);
    }

    @Test
    void closeWaitsForARunningTurnToFinish() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch inWork = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            TestAgent agent = new TestAgent(() -> {
                inWork.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 1; // busy: only close stops the turn
            });
            AgentRunner runner = new AgentRunner(agent, scheduler, executor, clock, IDLE_MS, MAX_WORK_PER_TURN);
            runner.start();
            assertThat(inWork.await(60, TimeUnit.SECONDS)).isTrue();

            Thread closer = new Thread(runner::close, "closer");
            closer.start();
            Await.until("close waits for the turn", Duration.ofSeconds(30),
                    () -> closer.getState() == Thread.State.WAITING);
            assertThat(agent.closes).hasValue(0);

            release.countDown();
            closer.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(closer.isAlive()).isFalse();
            assertThat(agent.calls).as("the turn stopped at the next unit").hasValue(1);
            assertThat(agent.closes).hasValue(1);
            assertThat(scheduler.pendingTasks()).isZero();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void badLimitsAreRejectedWithTheValue() {
        TestAgent agent = new TestAgent(() -> 0);
        assertThatThrownBy(() -> new AgentRunner(agent, scheduler, Runnable::run, clock, IDLE_MS, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxWorkPerTurn: 0 (expected: > 0)");
        assertThatThrownBy(() -> new AgentRunner(agent, scheduler, Runnable::run, clock, -1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("idleIntervalMs: -1 (expected: > 0)");
    }
}
