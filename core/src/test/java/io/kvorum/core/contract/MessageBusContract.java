package io.kvorum.core.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.KvorumException;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.contract.BusContractMessages.Fail;
import io.kvorum.core.contract.BusContractMessages.Mute;
import io.kvorum.core.contract.BusContractMessages.Note;
import io.kvorum.core.contract.BusContractMessages.Ping;
import io.kvorum.core.contract.BusContractMessages.Pong;
import io.kvorum.core.contract.BusContractMessages.Silent;
import io.kvorum.core.contract.BusContractMessages.Stranger;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MessageBus} promises, run against each implementation (the Netty bus, the
 * simulated bus, the simulated bus over the real wire codec), so that protocol code tested in
 * simulation meets the same bus in production. A subclass says only how to make buses
 * ({@link #harness()}).
 *
 * <p>Why one contract rather than a test per bus: the simulated bus exists to stand in for the
 * real one, and a difference between them (a handler error that comes back untyped, a request to
 * a dead node that hangs instead of failing) is a bug that no simulation can find, because the
 * simulation runs on the wrong bus. Here such a difference fails a named case.
 */
public abstract class MessageBusContract {
    /** Long enough never to fire in a case that expects a faster outcome. */
    private static final long LONG_TIMEOUT_MS = 60_000;
    private static final long SHORT_TIMEOUT_MS = 200;

    private BusHarness harness;

    /** A fresh harness for one test; the contract closes it. */
    protected abstract BusHarness harness();

    @BeforeEach
    final void openHarness() {
        harness = harness();
    }

    @AfterEach
    final void closeHarness() {
        harness.close();
    }

    /** Answers Ping with "pong:" + text + "@" + its node, and remembers who asked. */
    private static void answerPings(MessageBus bus, List<NodeId> askers) {
        bus.handle(Ping.class, (from, ping) -> {
            askers.add(from);
            return CompletableFuture.completedFuture(new Pong("pong:" + ping.text() + "@" + bus.self()));
        });
    }

    private static void answerPings(MessageBus bus) {
        answerPings(bus, new CopyOnWriteArrayList<>());
    }

    /** Fails as the request says: typed errors a coordinator raises, and unexpected ones. */
    private static void failOnDemand(MessageBus bus) {
        bus.handle(Fail.class, (from, f) -> switch (f.kind()) {
            case "invalid" -> throw new InvalidRequestException("w > n");
            case "invalid-async" -> CompletableFuture.failedFuture(new InvalidRequestException("r > n"));
            case "unavailable" -> throw UnavailableException.of("write", 3, 1);
            case "timeout" -> CompletableFuture.failedFuture(new RequestTimeoutException("read", 2, 1, 500, false));
            case "peer" -> CompletableFuture.failedFuture(new PeerUnavailableException("replica gone"));
            case "async-boom" -> CompletableFuture.failedFuture(new IllegalStateException("async boom"));
            default -> throw new RuntimeException("boom");
        });
    }

    private <T> T await(CompletableFuture<T> f) {
        harness.runUntil("the request completes", f::isDone);
        return f.join();
    }

    /** The exception {@code f} completed with, unwrapped. */
    private Throwable failureOf(CompletableFuture<?> f) {
        harness.runUntil("the request completes", f::isDone);
        try {
            f.get();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the request to fail, but it answered " + f.join());
    }

    /** Node 1 with no handlers and node 2 with {@code handlersOfB}, each knowing where the other is. */
    private MessageBus[] twoBuses(Consumer<MessageBus> handlersOfB) {
        MessageBus a = harness.start(1, bus -> {
        });
        MessageBus b = harness.start(2, handlersOfB);
        harness.introduce(a, b);
        harness.introduce(b, a);
        return new MessageBus[] {a, b};
    }

    @Test
    void aRequestIsAnsweredByThePeersHandler() {
        List<NodeId> askers = new CopyOnWriteArrayList<>();
        MessageBus[] ab = twoBuses(bus -> answerPings(bus, askers));
        assertThat(await(ab[0].request(ab[1].self(), new Ping("hi"), Pong.class, LONG_TIMEOUT_MS)))
                .isEqualTo(new Pong("pong:hi@" + ab[1].self()));
        assertThat(askers).containsExactly(ab[0].self());
    }

    @Test
    void aTypeHasOneHandlerAndASecondRegistrationIsRefused() {
        AtomicReference<Throwable> refused = new AtomicReference<>();
        MessageBus[] ab = twoBuses(bus -> {
            answerPings(bus);
            try {
                bus.handle(Ping.class, (from, p) -> CompletableFuture.completedFuture(new Pong("second")));
            } catch (RuntimeException e) {
                refused.set(e);
            }
        });
        assertThat(refused.get()).as("a second handler for Ping").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(Ping.class.getName());
        // The first handler stays the one that answers.
        assertThat(await(ab[0].request(ab[1].self(), new Ping("x"), Pong.class, LONG_TIMEOUT_MS)).text())
                .startsWith("pong:x");
    }

    @Test
    void messagesToSelfGoThroughTheSameHandler() {
        List<NodeId> askers = new CopyOnWriteArrayList<>();
        List<NodeId> noteSenders = new CopyOnWriteArrayList<>();
        MessageBus a = harness.start(1, bus -> {
            answerPings(bus, askers);
            bus.handle(Note.class, (from, n) -> {
                noteSenders.add(from);
                return null;
            });
        });
        assertThat(await(a.request(a.self(), new Ping("me"), Pong.class, LONG_TIMEOUT_MS)))
                .isEqualTo(new Pong("pong:me@" + a.self()));
        assertThat(askers).containsExactly(a.self());
        a.send(a.self(), new Note(1));
        harness.runUntil("the note to self arrived", () -> !noteSenders.isEmpty());
        assertThat(noteSenders).containsExactly(a.self());
    }

    @Test
    void aMessageToSelfIsNeverDeliveredReentrantly() {
        AtomicInteger pings = new AtomicInteger();
        AtomicReference<String> verdict = new AtomicReference<>();
        MessageBus[] self = new MessageBus[1];
        MessageBus a = harness.start(1, bus -> {
            bus.handle(Ping.class, (from, p) -> {
                pings.incrementAndGet();
                return CompletableFuture.completedFuture(new Pong(p.text()));
            });
            bus.handle(Note.class, (from, n) -> {
                // Inside a handler: a request to self must return before its handler runs, or a
                // handler that holds a lock and asks itself would deadlock.
                int before = pings.get();
                CompletableFuture<Pong> inner = self[0].request(self[0].self(), new Ping("inner"), Pong.class,
                        LONG_TIMEOUT_MS);
                verdict.set(pings.get() == before && !inner.isDone() ? "deferred" : "re-entrant");
                return null;
            });
        });
        self[0] = a;
        a.send(a.self(), new Note(1));
        harness.runUntil("the note and its inner ping ran", () -> pings.get() == 1);
        assertThat(verdict.get()).isEqualTo("deferred");
    }

    @Test
    void aHandlersKvorumExceptionComesBackTyped() {
        MessageBus[] ab = twoBuses(MessageBusContract::failOnDemand);
        for (MessageBus asker : ab) {
            NodeId target = ab[1].self(); // remote for a, self for b
            assertThat(failureOf(asker.request(target, new Fail("invalid"), Pong.class, LONG_TIMEOUT_MS)))
                    .isInstanceOf(InvalidRequestException.class).hasMessage("w > n");
            assertThat(failureOf(asker.request(target, new Fail("invalid-async"), Pong.class, LONG_TIMEOUT_MS)))
                    .isInstanceOf(InvalidRequestException.class).hasMessage("r > n");
            Throwable unavailable = failureOf(asker.request(target, new Fail("unavailable"), Pong.class,
                    LONG_TIMEOUT_MS));
            assertThat(unavailable).isInstanceOf(UnavailableException.class).hasMessageContaining("needs 3 replicas");
            assertThat(((UnavailableException) unavailable).required()).isEqualTo(3);
            assertThat(((UnavailableException) unavailable).alive()).isEqualTo(1);
            Throwable timeout = failureOf(asker.request(target, new Fail("timeout"), Pong.class, LONG_TIMEOUT_MS));
            assertThat(timeout).isInstanceOf(RequestTimeoutException.class);
            assertThat(((RequestTimeoutException) timeout).required()).isEqualTo(2);
            assertThat(((RequestTimeoutException) timeout).acknowledged()).isEqualTo(1);
            assertThat(failureOf(asker.request(target, new Fail("peer"), Pong.class, LONG_TIMEOUT_MS)))
                    .isInstanceOf(PeerUnavailableException.class).hasMessage("replica gone");
        }
    }

    @Test
    void anyOtherHandlerFailureComesBackAsAnInternalError() {
        MessageBus[] ab = twoBuses(MessageBusContract::failOnDemand);
        for (MessageBus asker : ab) {
            NodeId target = ab[1].self(); // remote for a, self for b
            assertThat(failureOf(asker.request(target, new Fail("boom"), Pong.class, LONG_TIMEOUT_MS)))
                    .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("boom");
            assertThat(failureOf(asker.request(target, new Fail("async-boom"), Pong.class, LONG_TIMEOUT_MS)))
                    .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("async boom");
        }
    }

    @Test
    void aRequestNoHandlerAnswersFails() {
        MessageBus[] ab = twoBuses(bus -> bus.handle(Mute.class, (from, m) -> null));
        for (MessageBus asker : ab) {
            NodeId target = ab[1].self();
            // No handler for the type on the peer.
            assertThat(failureOf(asker.request(target, new Ping("nobody"), Pong.class, LONG_TIMEOUT_MS)))
                    .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("Ping");
            // A handler that answers a request with null has not answered it.
            assertThat(failureOf(asker.request(target, new Mute(), Pong.class, LONG_TIMEOUT_MS)))
                    .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("Mute");
        }
    }

    @Test
    void aResponseOfTheWrongTypeFailsTheRequest() {
        MessageBus[] ab = twoBuses(MessageBusContract::answerPings);
        assertThat(failureOf(ab[0].request(ab[1].self(), new Ping("x"), Note.class, LONG_TIMEOUT_MS)))
                .isInstanceOf(KvorumException.class).hasMessageContaining("Pong").hasMessageContaining("Note");
    }

    @Test
    void aRequestWithNoAnswerTimesOut() {
        MessageBus[] ab = twoBuses(bus -> bus.handle(Silent.class, (from, s) -> new CompletableFuture<Pong>()));
        for (MessageBus asker : ab) {
            Throwable t = failureOf(asker.request(ab[1].self(), new Silent(), Pong.class, SHORT_TIMEOUT_MS));
            assertThat(t).isInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining(ab[1].self().toString())
                    .hasMessageContaining(SHORT_TIMEOUT_MS + " ms");
        }
    }

    @Test
    void aRequestToAStoppedPeerFailsWithPeerUnavailable() {
        MessageBus[] ab = twoBuses(MessageBusContract::answerPings);
        await(ab[0].request(ab[1].self(), new Ping("up"), Pong.class, LONG_TIMEOUT_MS));
        harness.stop(ab[1]);
        // Well before its timeout: a dead peer is refused, not waited for.
        assertThat(failureOf(ab[0].request(ab[1].self(), new Ping("down"), Pong.class, LONG_TIMEOUT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
        ab[0].send(ab[1].self(), new Note(1)); // best effort: dropped, no exception
    }

    @Test
    void oneWayMessagesAreDelivered() {
        List<Integer> received = new CopyOnWriteArrayList<>();
        List<NodeId> senders = new CopyOnWriteArrayList<>();
        MessageBus[] ab = twoBuses(bus -> bus.handle(Note.class, (from, n) -> {
            received.add(n.seq());
            senders.add(from);
            return null;
        }));
        for (int i = 0; i < 20; i++) {
            ab[0].send(ab[1].self(), new Note(i));
        }
        harness.runUntil("20 notes arrived", () -> received.size() == 20);
        // Order is not promised: the simulated network reorders, as a real one may across reconnects.
        assertThat(Set.copyOf(received)).hasSize(20).allMatch(i -> i >= 0 && i < 20);
        assertThat(senders).containsOnly(ab[0].self());
    }

    @Test
    void anUnregisteredTypeIsRefusedWithAClearError() {
        AtomicReference<Throwable> refusedHandler = new AtomicReference<>();
        MessageBus[] ab = twoBuses(bus -> {
            answerPings(bus);
            try {
                bus.handle(Stranger.class, (from, s) -> null);
            } catch (RuntimeException e) {
                refusedHandler.set(e);
            }
        });
        assertThat(refusedHandler.get()).as("a handler for an unregistered type")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Stranger.class.getName()).hasMessageContaining("registered in MessageTypes");
        for (NodeId to : List.of(ab[1].self(), ab[0].self())) {
            assertThatThrownBy(() -> ab[0].send(to, new Stranger("x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered in MessageTypes");
            Throwable request = thrownOrFailed(() -> ab[0].request(to, new Stranger("x"), Pong.class, LONG_TIMEOUT_MS));
            assertThat(request).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("registered in MessageTypes");
        }
        // The bus still works after refusing.
        assertThat(await(ab[0].request(ab[1].self(), new Ping("ok"), Pong.class, LONG_TIMEOUT_MS)).text())
                .startsWith("pong:ok");
    }

    /** What a request failed with, whether it threw or returned a failed future (the contract allows both). */
    private Throwable thrownOrFailed(Supplier<CompletableFuture<?>> request) {
        CompletableFuture<?> f;
        try {
            f = request.get();
        } catch (RuntimeException e) {
            return e;
        }
        Throwable t = failureOf(f);
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
