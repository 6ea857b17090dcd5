package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.testing.Await;
import io.kvorum.transport.TestMessages.Note;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A burst of messages leaves in few flushes: one syscall carries many frames. */
class WriteCoalescingTest {
    private static final int MESSAGES = 10_000;
    private final Buses buses = new Buses();
    private final AtomicInteger received = new AtomicInteger();
    private NettyMessageBus a;
    private NettyMessageBus b;

    @BeforeEach
    void setUp() throws Exception {
        a = buses.startPonger(1);
        b = buses.start(Buses.builder(2), bus -> {
            Buses.answerPings(bus);
            bus.handle(Note.class, (from, n) -> {
                received.incrementAndGet();
                return null;
            });
        });
        a.setAddress(b.self(), b.localAddress());
        a.request(b.self(), new Ping("connect"), Pong.class, 10_000).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() {
        buses.close();
    }

    @Test
    void aBurstQueuedWhileTheLoopIsBusyLeavesInAHandfulOfFlushes() throws Exception {
        // Hold the link's event loop, as other connections' work would, while the burst is queued.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        a.linkLoop(b.self()).execute(() -> {
            held.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.await(10, TimeUnit.SECONDS);
        long before = a.flushCount();
        for (int i = 0; i < MESSAGES; i++) {
            a.send(b.self(), new Note(i));
        }
        release.countDown();
        Await.until("all messages arrived", Duration.ofSeconds(20), () -> received.get() == MESSAGES);
        assertThat(a.flushCount() - before).isBetween(1L, 5L);
    }

    @Test
    void aBurstFromAnotherThreadTakesFarFewerFlushesThanMessages() {
        long before = a.flushCount();
        for (int i = 0; i < MESSAGES; i++) {
            a.send(b.self(), new Note(i));
        }
        Await.until("all messages arrived", Duration.ofSeconds(20), () -> received.get() == MESSAGES);
        long flushes = a.flushCount() - before;
        System.out.println(MESSAGES + " one-way messages took " + flushes + " flushes");
        // Typically a few hundred; the loop drains whatever the sender queued since the last drain.
        assertThat(flushes).isPositive().isLessThan(MESSAGES / 4);
    }
}
