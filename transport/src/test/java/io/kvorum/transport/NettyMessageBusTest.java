package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.KvorumException;
import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.testing.Await;
import io.kvorum.transport.TestMessages.Blob;
import io.kvorum.transport.TestMessages.Carrier;
import io.kvorum.transport.TestMessages.Fail;
import io.kvorum.transport.TestMessages.Note;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import io.kvorum.transport.TestMessages.Silent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Request/response, one-way, self-delivery, errors and timeouts between real buses on loopback. */
class NettyMessageBusTest {
    private static final long WAIT_MS = 10_000;
    private final Buses buses = new Buses();

    @AfterEach
    void tearDown() throws Exception {
        buses.close();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /** The exception a future completed with, unwrapped. */
    static Throwable failureOf(CompletableFuture<?> f) {
        try {
            f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("future did not fail in time: " + e);
        }
        throw new AssertionError("future succeeded: " + f.join());
    }

    @Test
    void requestAndResponseBetweenTwoBuses() throws Exception {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        a.setAddress(b.self(), b.localAddress());

        assertThat(await(a.request(b.self(), new Ping("hi"), Pong.class, WAIT_MS)))
                .isEqualTo(new Pong("pong:hi@" + b.self()));
        // b learned where a listens from a's HELLO, and can ask back without being told.
        assertThat(await(b.request(a.self(), new Ping("back"), Pong.class, WAIT_MS)))
                .isEqualTo(new Pong("pong:back@" + a.self()));
    }

    @Test
    void coreTypesTravelBetweenBuses() throws Exception {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.start(Buses.builder(2),
                bus -> bus.handle(Carrier.class, (from, c) -> CompletableFuture.completedFuture(c)));
        a.setAddress(b.self(), b.localAddress());
        Carrier carrier = TestMessages.carrier();
        assertThat(await(a.request(b.self(), carrier, Carrier.class, WAIT_MS))).isEqualTo(carrier);
    }

    @Test
    void threeBusesAllTalkToEachOther() throws Exception {
        List<NettyMessageBus> all = List.of(buses.startPonger(1), buses.startPonger(2), buses.startPonger(3));
        for (NettyMessageBus from : all) {
            for (NettyMessageBus to : all) {
                from.setAddress(to.self(), to.localAddress());
            }
        }
        List<CompletableFuture<Pong>> answers = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            for (NettyMessageBus from : all) {
                for (NettyMessageBus to : all) {
                    answers.add(from.request(to.self(), new Ping(i + "-" + from.self()), Pong.class, WAIT_MS));
                    expected.add("pong:" + i + "-" + from.self() + "@" + to.self());
                }
            }
        }
        for (int i = 0; i < answers.size(); i++) {
            assertThat(await(answers.get(i)).text()).isEqualTo(expected.get(i));
        }
    }

    @Test
    void oneWayMessagesArriveInOrder() {
        List<Integer> received = new CopyOnWriteArrayList<>();
        List<NodeId> senders = new CopyOnWriteArrayList<>();
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.start(Buses.builder(2), bus -> bus.handle(Note.class, (from, n) -> {
            received.add(n.seq());
            senders.add(from);
            return null;
        }));
        a.setAddress(b.self(), b.localAddress());
        for (int i = 0; i < 500; i++) {
            a.send(b.self(), new Note(i));
        }
        Await.until("500 notes arrived", Duration.ofSeconds(10), () -> received.size() == 500);
        for (int i = 0; i < 500; i++) {
            assertThat(received.get(i)).isEqualTo(i);
        }
        assertThat(senders).containsOnly(a.self());
    }

    @Test
    void messagesToSelfGoThroughTheHandlerAsynchronously() throws Exception {
        AtomicReference<Thread> handlerThread = new AtomicReference<>();
        AtomicInteger pings = new AtomicInteger();
        AtomicReference<String> reentrancy = new AtomicReference<>();
        List<Integer> notes = new CopyOnWriteArrayList<>();
        NettyMessageBus[] self = new NettyMessageBus[1];
        NettyMessageBus a = buses.start(Buses.builder(1), bus -> {
            bus.handle(Ping.class, (from, p) -> {
                handlerThread.set(Thread.currentThread());
                pings.incrementAndGet();
                return CompletableFuture.completedFuture(new Pong(p.text() + " from " + from));
            });
            bus.handle(Note.class, (from, n) -> {
                notes.add(n.seq());
                if (n.seq() == 1) {
                    // On the event loop: a request to self must not run its handler before returning.
                    int before = pings.get();
                    CompletableFuture<Pong> inner = self[0].request(self[0].self(), new Ping("inner"), Pong.class,
                            WAIT_MS);
                    reentrancy.set(pings.get() == before && !inner.isDone() ? "deferred" : "re-entrant");
                }
                return null;
            });
        });
        self[0] = a;
        Pong pong = await(a.request(a.self(), new Ping("me"), Pong.class, WAIT_MS));
        assertThat(pong).isEqualTo(new Pong("me from " + a.self()));
        assertThat(handlerThread.get()).isNotSameAs(Thread.currentThread());
        assertThat(handlerThread.get().getName()).startsWith("kvorum-bus-");

        a.send(a.self(), new Note(1));
        Await.until("the note and its inner ping ran", Duration.ofSeconds(10), () -> pings.get() == 2);
        assertThat(notes).containsExactly(1);
        assertThat(reentrancy.get()).isEqualTo("deferred");
    }

    @Test
    void selfRequestsMapErrorsLikeRemoteOnes() {
        NettyMessageBus a = buses.start(Buses.builder(1), NettyMessageBusTest::failOnDemand);
        Throwable t = failureOf(a.request(a.self(), new Fail("unavailable"), Pong.class, WAIT_MS));
        assertThat(t).isInstanceOf(UnavailableException.class);
        assertThat(((UnavailableException) t).required()).isEqualTo(3);
        assertThat(failureOf(a.request(a.self(), new Fail("boom"), Pong.class, WAIT_MS)))
                .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("boom");
        assertThat(failureOf(a.request(a.self(), new Blob(new byte[1]), Pong.class, WAIT_MS)))
                .hasMessageContaining("no handler for Blob");
    }

    /** Fails as the request says: the typed errors a coordinator would throw, or an unexpected one. */
    static void failOnDemand(NettyMessageBus bus) {
        bus.handle(Fail.class, (from, f) -> switch (f.kind()) {
            case "unavailable" -> throw UnavailableException.of("write", 3, 1);
            case "invalid" -> CompletableFuture.failedFuture(new InvalidRequestException("w > n"));
            case "timeout" -> CompletableFuture.failedFuture(new RequestTimeoutException("read", 2, 1, 500, false));
            case "peer" -> CompletableFuture.failedFuture(new PeerUnavailableException("replica gone"));
            case "async-boom" -> CompletableFuture.supplyAsync(() -> {
                throw new IllegalStateException("async boom");
            });
            default -> throw new RuntimeException("boom");
        });
    }

    @Test
    void handlerFailuresArriveAsTypedExceptions() {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.start(Buses.builder(2), NettyMessageBusTest::failOnDemand);
        a.setAddress(b.self(), b.localAddress());

        Throwable unavailable = failureOf(a.request(b.self(), new Fail("unavailable"), Pong.class, WAIT_MS));
        assertThat(unavailable).isInstanceOf(UnavailableException.class).hasMessageContaining("needs 3 replicas");
        assertThat(((UnavailableException) unavailable).required()).isEqualTo(3);
        assertThat(((UnavailableException) unavailable).alive()).isEqualTo(1);

        assertThat(failureOf(a.request(b.self(), new Fail("invalid"), Pong.class, WAIT_MS)))
                .isInstanceOf(InvalidRequestException.class).hasMessage("w > n");
        Throwable timeout = failureOf(a.request(b.self(), new Fail("timeout"), Pong.class, WAIT_MS));
        assertThat(timeout).isInstanceOf(RequestTimeoutException.class);
        assertThat(((RequestTimeoutException) timeout).required()).isEqualTo(2);
        assertThat(((RequestTimeoutException) timeout).acknowledged()).isEqualTo(1);
        assertThat(failureOf(a.request(b.self(), new Fail("peer"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class).hasMessage("replica gone");
        assertThat(failureOf(a.request(b.self(), new Fail("boom"), Pong.class, WAIT_MS)))
                .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("RuntimeException: boom");
        assertThat(failureOf(a.request(b.self(), new Fail("async-boom"), Pong.class, WAIT_MS)))
                .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("async boom");
        assertThat(failureOf(a.request(b.self(), new Ping("nobody"), Pong.class, WAIT_MS)))
                .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("has no handler for Ping");
    }

    @Test
    void aResponseOfTheWrongTypeFailsTheRequest() {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        a.setAddress(b.self(), b.localAddress());
        assertThat(failureOf(a.request(b.self(), new Ping("x"), Note.class, WAIT_MS)))
                .isInstanceOf(KvorumException.class)
                .hasMessageContaining("answered with Pong (expected: Note)");
    }

    @Test
    void anUnansweredRequestTimesOutNamingThePeerAndTheTimeout() {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.start(Buses.builder(2),
                bus -> bus.handle(Silent.class, (from, s) -> new CompletableFuture<Pong>()));
        a.setAddress(b.self(), b.localAddress());
        long start = System.nanoTime();
        Throwable t = failureOf(a.request(b.self(), new Silent(), Pong.class, 300));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(t).isInstanceOf(RequestTimeoutException.class)
                .hasMessageContaining("node " + b.self())
                .hasMessageContaining("300 ms");
        assertThat(tookMs).isBetween(250L, 5_000L);
    }

    @Test
    void anUnknownPeerFailsAtOnce() {
        NettyMessageBus a = buses.startPonger(1);
        CompletableFuture<Pong> f = a.request(new NodeId(99), new Ping("?"), Pong.class, WAIT_MS);
        assertThat(f).isCompletedExceptionally();
        assertThat(failureOf(f)).isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("no address is known");
        a.send(new NodeId(99), new Note(1)); // dropped, no exception
    }

    @Test
    void aStoppedPeerFailsQuicklyNotAtTheTimeout() throws Exception {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        a.setAddress(b.self(), b.localAddress());
        await(a.request(b.self(), new Ping("up"), Pong.class, WAIT_MS));
        b.close();
        Await.until("a saw b go down", Duration.ofSeconds(10),
                () -> a.linkState(b.self()) != PeerLink.State.UP);
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            Throwable t = failureOf(a.request(b.self(), new Ping("down"), Pong.class, 30_000));
            assertThat(t).isInstanceOf(PeerUnavailableException.class).hasMessageContaining(b.self().toString());
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
        }
        a.send(b.self(), new Note(1)); // dropped while down, no exception
    }

    @Test
    void aPeerThatNeverListenedFailsQuickly() {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        var address = b.localAddress();
        b.close();
        a.setAddress(b.self(), address);
        long start = System.nanoTime();
        assertThat(failureOf(a.request(b.self(), new Ping("?"), Pong.class, 30_000)))
                .isInstanceOf(PeerUnavailableException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
    }

    @Test
    void requestsInFlightFailWhenThePeerGoesAway() {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.start(Buses.builder(2),
                bus -> bus.handle(Silent.class, (from, s) -> new CompletableFuture<Pong>()));
        a.setAddress(b.self(), b.localAddress());
        CompletableFuture<Pong> waiting = a.request(b.self(), new Silent(), Pong.class, 60_000);
        Await.until("b is connected", Duration.ofSeconds(10), () -> a.linkState(b.self()) == PeerLink.State.UP);
        b.close();
        assertThat(failureOf(waiting)).isInstanceOf(PeerUnavailableException.class);
    }

    @Test
    void closingTheBusFailsItsWaitingRequests() {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.start(Buses.builder(2),
                bus -> bus.handle(Silent.class, (from, s) -> new CompletableFuture<Pong>()));
        a.setAddress(b.self(), b.localAddress());
        CompletableFuture<Pong> waiting = a.request(b.self(), new Silent(), Pong.class, 60_000);
        Await.until("b is connected", Duration.ofSeconds(10), () -> a.linkState(b.self()) == PeerLink.State.UP);
        a.close();
        assertThat(failureOf(waiting)).isInstanceOf(PeerUnavailableException.class).hasMessageContaining("closed");
        assertThat(failureOf(a.request(b.self(), new Ping("late"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
    }

    @Test
    void identifyLearnsTheNodeAndRemembersItsAddress() throws Exception {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        assertThat(await(a.identify(b.localAddress(), WAIT_MS))).isEqualTo(b.self());
        assertThat(await(a.request(b.self(), new Ping("found"), Pong.class, WAIT_MS)).text()).contains("found");
        assertThat(await(a.identify(a.localAddress(), WAIT_MS))).isEqualTo(a.self());
    }

    @Test
    void identifyOfNothingFails() throws Exception {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        var address = b.localAddress();
        b.close();
        assertThat(failureOf(a.identify(address, WAIT_MS))).isInstanceOf(PeerUnavailableException.class);
        try (var silent = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            var where = new java.net.InetSocketAddress(silent.getInetAddress(), silent.getLocalPort());
            assertThat(failureOf(a.identify(where, 300))).isInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining("300 ms");
        }
    }

    @Test
    void handlersAreRegisteredOnceAndBeforeStart() {
        NettyMessageBus a = buses.startPonger(1);
        assertThatThrownBy(() -> a.handle(Note.class, (from, n) -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before start");
        NettyMessageBus fresh = Buses.builder(2).build();
        buses.track(fresh);
        Buses.answerPings(fresh);
        assertThatThrownBy(() -> Buses.answerPings(fresh))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a handler");
        record Stranger() implements io.kvorum.core.Message {
        }
        assertThatThrownBy(() -> fresh.handle(Stranger.class, (from, s) -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered in MessageTypes");
        assertThatThrownBy(() -> fresh.send(new NodeId(5), new Note(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
        assertThatThrownBy(() -> a.request(new NodeId(5), new Stranger(), Pong.class, 100))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.request(new NodeId(5), new Ping("x"), Pong.class, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeoutMs: 0");
    }
}
