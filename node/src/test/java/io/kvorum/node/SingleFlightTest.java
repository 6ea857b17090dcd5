package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How AdminService coalesces cleanups: a request while one runs joins it; a finished one is not kept. */
class SingleFlightTest {
    private final SingleFlight<String> flight = new SingleFlight<>();
    private final AtomicInteger starts = new AtomicInteger();

    private CompletableFuture<String> start(CompletableFuture<String> run) {
        starts.incrementAndGet();
        return run;
    }

    @Test
    void aRequestWhileOneRunsJoinsIt() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> a = flight.run(() -> start(first));
        CompletableFuture<String> b = flight.run(() -> start(new CompletableFuture<>()));
        CompletableFuture<String> c = flight.run(() -> start(new CompletableFuture<>()));

        assertThat(starts).hasValue(1);
        assertThat(b).isSameAs(a);
        assertThat(c).isSameAs(a);
        assertThat(flight.isRunning()).isTrue();
        first.complete("cleaned up");
        assertThat(b.join()).isEqualTo("cleaned up");
        assertThat(flight.isRunning()).isFalse();
    }

    @Test
    void afterARunFinishesOrFailsTheNextStartsAfresh() {
        CompletableFuture<String> first = new CompletableFuture<>();
        flight.run(() -> start(first));
        first.completeExceptionally(new IllegalStateException("disk full"));

        CompletableFuture<String> second = new CompletableFuture<>();
        assertThat(flight.run(() -> start(second))).isSameAs(second);
        assertThat(starts).hasValue(2);
    }

    @Test
    void aRunThatEndsAtOnceIsNotKept() {
        CompletableFuture<String> refused = CompletableFuture.failedFuture(new IllegalStateException("ring change"));
        assertThat(flight.run(() -> start(refused))).isSameAs(refused);
        assertThat(flight.isRunning()).isFalse();

        CompletableFuture<String> next = new CompletableFuture<>();
        assertThat(flight.run(() -> start(next))).isSameAs(next);
        assertThat(starts).hasValue(2);
    }
}
