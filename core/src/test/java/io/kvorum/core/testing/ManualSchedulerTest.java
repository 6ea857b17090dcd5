package io.kvorum.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualSchedulerTest {

    @Test
    void runsTasksInDueOrderOnlyWhenTimeAdvances() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        List<String> ran = new ArrayList<>();
        scheduler.schedule(() -> ran.add("b@20"), 20, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> ran.add("a@10"), 10, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> ran.add("c@20"), 20, TimeUnit.MILLISECONDS);
        assertThat(ran).isEmpty();
        scheduler.advance(15, TimeUnit.MILLISECONDS);
        assertThat(ran).containsExactly("a@10");
        scheduler.advance(5, TimeUnit.MILLISECONDS);
        assertThat(ran).containsExactly("a@10", "b@20", "c@20");
        assertThat(clock.nanoTime()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
    }

    @Test
    void periodicTasksRepeatUntilCancelled() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        List<Long> at = new ArrayList<>();
        Scheduler.Cancellable c = scheduler.scheduleWithFixedDelay(
                () -> at.add(TimeUnit.NANOSECONDS.toMillis(clock.nanoTime())), 5, 10, TimeUnit.MILLISECONDS);
        scheduler.advance(40, TimeUnit.MILLISECONDS);
        assertThat(at).containsExactly(5L, 15L, 25L, 35L);
        c.cancel();
        scheduler.advance(100, TimeUnit.MILLISECONDS);
        assertThat(at).hasSize(4);
        assertThat(scheduler.pendingTasks()).isZero();
    }
}
