package io.kvorum.transport;

import static io.kvorum.transport.NettyMessageBusTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import io.kvorum.transport.TestMessages.Silent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client port's connection limits and idle timeout (issue 9: a flood of idle connections). */
class WireServerLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final Buses closing = new Buses();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        closing.close();
    }

    private WireServer server(WireServer.Builder b) {
        return closing.track(b.serverName("node-x").eventLoopThreads(1).build()).start();
    }

    private static CompletableFuture<? extends io.kvorum.core.Message> handle(WireServer.ClientInfo client,
                                                                           io.kvorum.core.Message request) {
        if (request instanceof Ping p) {
            return CompletableFuture.completedFuture(new Pong("pong:" + p.text()));
        }
        return new CompletableFuture<>(); // Silent: never answered
    }

    /** Connects from {@code localHost}; true when the server greets it with its HELLO, false when it closes it. */
    private boolean connect(WireServer server, String localHost) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(localHost, 0));
        s.connect(server.localAddress(), 5_000);
        s.setSoTimeout(10_000);
        return s.getInputStream().read() >= 0;
    }

    @Test
    void connectionsPastTheTotalOrPerAddressLimitAreClosedAtAccept() throws Exception {
        WireServer server = server(WireServer.builder(TestMessages.types(), WireServerLimitsTest::handle)
                .maxConnections(3, 2));
        try (LogCapture logs = new LogCapture("io.kvorum.transport")) {
            assertThat(connect(server, "127.0.0.1")).isTrue();
            assertThat(connect(server, "127.0.0.1")).isTrue();
            assertThat(connect(server, "127.0.0.1")).as("third from one address").isFalse();
            assertThat(connect(server, "127.0.0.2")).isTrue();
            assertThat(connect(server, "127.0.0.3")).as("fourth in all").isFalse();
            assertThat(server.refusedConnections()).isEqualTo(2);
            assertThat(logs.warningsContaining("refused a connection")).hasSize(2)
                    .anySatisfy(l -> assertThat(l).contains("per address"));
        }
        // A closed connection gives its place back.
        sockets.get(0).close();
        Await.until("the server to see the close", WAIT, () -> server.openConnections() == 2);
        assertThat(connect(server, "127.0.0.3")).isTrue();
    }

    @Test
    void anIdleConnectionIsClosedAndTheClientReconnectsForItsNextRequest() throws Exception {
        WireServer server = server(WireServer.builder(TestMessages.types(), WireServerLimitsTest::handle)
                .idleTimeoutMs(200));
        WireClient client = closing.track(WireClient.builder(server.localAddress(), TestMessages.types()).build());
        assertThat(await(client.request(new Ping("a"), Pong.class, 10_000))).isEqualTo(new Pong("pong:a"));
        // Closed at both ends: a request sent before the client has seen the close would fail with it.
        Await.until("the idle connection to be closed", WAIT, () -> server.idleClosedConnections() == 1
                && server.openConnections() == 0 && !client.isConnected());
        assertThat(await(client.request(new Ping("b"), Pong.class, 10_000))).isEqualTo(new Pong("pong:b"));
    }

    @Test
    void aConnectionWaitingForAnAnswerIsNotIdle() throws Exception {
        WireServer server = server(WireServer.builder(TestMessages.types(), WireServerLimitsTest::handle)
                .idleTimeoutMs(500));
        WireClient client = closing.track(WireClient.builder(server.localAddress(), TestMessages.types()).build());
        // The idle timer runs from accept, so it must outlast a handshake on a busy machine's cold JVM.
        CompletableFuture<Pong> unanswered = client.request(new Silent(), Pong.class, 3_000);
        assertThat(await(client.request(new Ping("a"), Pong.class, 10_000))).isEqualTo(new Pong("pong:a"));
        // The Silent request is still in flight: several idle periods pass without a close.
        Await.until("the unanswered request to time out", WAIT, unanswered::isDone);
        assertThat(server.idleClosedConnections()).isZero();
    }
}
