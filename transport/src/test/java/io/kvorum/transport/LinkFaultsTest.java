package io.kvorum.transport;

import static io.kvorum.transport.NettyMessageBusTest.await;
import static io.kvorum.transport.NettyMessageBusTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.NodeId;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.testing.Await;
import io.kvorum.transport.LinkFaults.Direction;
import io.kvorum.transport.TestMessages.Note;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dropping and delaying messages on a live link, and healing it, at runtime. */
class LinkFaultsTest {
    private static final long WAIT_MS = 10_000;
    private final Buses buses = new Buses();
    private final AtomicInteger pingsAtB = new AtomicInteger();
    private final List<Integer> notesAtB = new CopyOnWriteArrayList<>();
    private NettyMessageBus a;
    private NettyMessageBus b;

    @BeforeEach
    void setUp() throws Exception {
        a = buses.startPonger(1);
        b = buses.start(Buses.builder(2), bus -> {
            bus.handle(Ping.class, (from, p) -> {
                pingsAtB.incrementAndGet();
                return CompletableFuture.completedFuture(new Pong(p.text()));
            });
            bus.handle(Note.class, (from, n) -> {
                notesAtB.add(n.seq());
                return null;
            });
        });
        a.setAddress(b.self(), b.localAddress());
        await(a.request(b.self(), new Ping("warm"), Pong.class, WAIT_MS));
        pingsAtB.set(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        buses.close();
    }

    @Test
    void droppingOutgoingMessagesLosesThemUntilHealed() throws Exception {
        a.faults().drop(b.self(), Direction.OUT);
        // Lost, not refused: the request times out, as over a network that drops packets.
        assertThat(failureOf(a.request(b.self(), new Ping("lost"), Pong.class, 200)))
                .isInstanceOf(RequestTimeoutException.class);
        a.send(b.self(), new Note(1));
        assertThat(pingsAtB).hasValue(0);

        a.faults().heal(b.self());
        assertThat(await(a.request(b.self(), new Ping("back"), Pong.class, WAIT_MS))).isEqualTo(new Pong("back"));
        a.send(b.self(), new Note(2));
        Await.until("note 2 arrived", Duration.ofSeconds(10), () -> notesAtB.contains(2));
        assertThat(notesAtB).containsExactly(2);
    }

    @Test
    void droppingIncomingMessagesLosesTheAnswers() throws Exception {
        a.faults().drop(b.self(), Direction.IN);
        assertThat(failureOf(a.request(b.self(), new Ping("answer lost"), Pong.class, 300)))
                .isInstanceOf(RequestTimeoutException.class);
        assertThat(pingsAtB).hasValue(1); // the request got there; its answer did not come back
        // b's own requests to a are lost on arrival too.
        assertThat(failureOf(b.request(a.self(), new Ping("in"), Pong.class, 200)))
                .isInstanceOf(RequestTimeoutException.class);
        a.faults().healAll();
        assertThat(await(a.request(b.self(), new Ping("healed"), Pong.class, WAIT_MS))).isEqualTo(new Pong("healed"));
        assertThat(await(b.request(a.self(), new Ping("healed"), Pong.class, WAIT_MS)).text()).contains("healed");
    }

    @Test
    void aPartitionOnOneSideCutsBothWays() {
        b.faults().drop(a.self(), Direction.BOTH);
        assertThat(failureOf(a.request(b.self(), new Ping("x"), Pong.class, 200)))
                .isInstanceOf(RequestTimeoutException.class);
        assertThat(failureOf(b.request(a.self(), new Ping("y"), Pong.class, 200)))
                .isInstanceOf(RequestTimeoutException.class);
        assertThat(pingsAtB).hasValue(0);
    }

    @Test
    void delayingOutgoingMessagesDeliversThemLater() throws Exception {
        a.faults().delay(b.self(), Direction.OUT, 300);
        long start = System.nanoTime();
        assertThat(await(a.request(b.self(), new Ping("slow"), Pong.class, WAIT_MS))).isEqualTo(new Pong("slow"));
        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(290);
        for (int i = 0; i < 10; i++) {
            a.send(b.self(), new Note(i));
        }
        Await.until("delayed notes arrived", Duration.ofSeconds(10), () -> notesAtB.size() == 10);
        assertThat(notesAtB).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

        a.faults().heal(b.self());
        start = System.nanoTime();
        await(a.request(b.self(), new Ping("fast"), Pong.class, WAIT_MS));
        assertThat(elapsedMs(start)).isLessThan(290);
    }

    @Test
    void delayingIncomingMessagesDelaysTheAnswers() throws Exception {
        a.faults().delay(b.self(), Direction.IN, 250);
        long start = System.nanoTime();
        await(a.request(b.self(), new Ping("slow answer"), Pong.class, WAIT_MS));
        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(240);
        // A delay longer than the timeout is a timeout.
        assertThat(failureOf(a.request(b.self(), new Ping("too slow"), Pong.class, 100)))
                .isInstanceOf(RequestTimeoutException.class);
    }

    @Test
    void aDropWinsOverADelayAndRulesAreValidated() {
        a.faults().delay(b.self(), Direction.BOTH, 50);
        a.faults().drop(b.self(), Direction.OUT);
        assertThat(a.faults().outbound(b.self())).isEqualTo(LinkFaults.DROP);
        assertThat(a.faults().inbound(b.self())).isEqualTo(50);
        assertThat(a.faults().outbound(new NodeId(123))).isZero();
        assertThatThrownBy(() -> a.faults().delay(b.self(), Direction.IN, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delayMs: 0 (expected: > 0)");
        a.faults().healAll();
        assertThat(a.faults().outbound(b.self())).isZero();
    }

    @Test
    void messagesToSelfAreNeverFaulted() throws Exception {
        a.faults().drop(a.self(), Direction.BOTH);
        assertThat(await(a.request(a.self(), new Ping("me"), Pong.class, WAIT_MS)).text()).contains("me");
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
