package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Answers that complete after their client has gone must be released, not left queued (issue 9:
 * {@code LEAK:} reports at WireCodec.encode from WireServer's answers, and node memory growing under
 * connection churn). Netty's paranoid leak detection tracks every buffer; a leaked one is reported
 * once it is garbage collected, which the test provokes.
 */
class ConnectionChurnLeakTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final Buses closing = new Buses();
    private ResourceLeakDetector.Level previous;

    @BeforeEach
    void paranoid() {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterEach
    void restore() throws Exception {
        closing.close();
        ResourceLeakDetector.setLevel(previous);
    }

    @Test
    void answersToClosedConnectionsAreReleased() throws Exception {
        List<CompletableFuture<Pong>> late = new CopyOnWriteArrayList<>();
        WireServer server = closing.track(WireServer.builder(TestMessages.types(), (client, request) -> {
            CompletableFuture<Pong> answer = new CompletableFuture<>();
            late.add(answer);
            return answer;
        }).serverName("node-x").eventLoopThreads(1).build()).start();

        try (LogCapture leaks = new LogCapture("io.netty.util.ResourceLeakDetector")) {
            int rounds = 100;
            for (int i = 0; i < rounds; i++) {
                WireClient client = WireClient.builder(server.localAddress(), TestMessages.types()).build();
                client.request(new Ping("p" + i), Pong.class, 10_000);
                int asked = i + 1;
                Await.until("request " + i + " to reach the server", WAIT, () -> late.size() == asked);
                client.close();
            }
            Await.until("every client connection to close", WAIT, () -> server.openConnections() == 0);
            for (CompletableFuture<Pong> answer : late) {
                answer.complete(new Pong("too late"));
            }
            provokeLeakReports();
            assertThat(leaks.warnings()).as("LEAK reports").noneMatch(l -> l.contains("LEAK"));
        }
    }

    /** Issue 9 saw leaks in the client too when a connect failed: requests queued for it must be released. */
    @Test
    void requestsQueuedForAConnectionThatCannotBeMadeAreReleased() throws Exception {
        InetSocketAddress nowhere;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = (InetSocketAddress) s.getLocalSocketAddress();
        }
        try (LogCapture leaks = new LogCapture("io.netty.util.ResourceLeakDetector")) {
            for (int i = 0; i < 100; i++) {
                WireClient client = WireClient.builder(nowhere, TestMessages.types()).build();
                List<CompletableFuture<Pong>> requests = new ArrayList<>();
                for (int j = 0; j < 5; j++) {
                    requests.add(client.request(new Ping("p" + i + "-" + j), Pong.class, 10_000));
                }
                Await.until("requests to a closed port to fail", WAIT,
                        () -> requests.stream().allMatch(CompletableFuture::isCompletedExceptionally));
                client.close();
            }
            provokeLeakReports();
            assertThat(leaks.warnings()).as("LEAK reports").noneMatch(l -> l.contains("LEAK"));
        }
    }

    /**
     * Leaks are reported when a tracked buffer's referent is collected and the detector next tracks
     * an allocation: collect, then allocate (and release) until the reports are in.
     */
    private static void provokeLeakReports() {
        for (int i = 0; i < 20; i++) {
            System.gc();
            for (int j = 0; j < 100; j++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
                b.release();
            }
        }
    }
}
