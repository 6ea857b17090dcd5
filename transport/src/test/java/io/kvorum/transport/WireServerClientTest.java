package io.kvorum.transport;

import io.kvorum.core.testing.LogCapture;
import static io.kvorum.transport.NettyMessageBusTest.await;
import static io.kvorum.transport.NettyMessageBusTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.KvorumException;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.testing.Await;
import io.kvorum.transport.TestMessages.Blob;
import io.kvorum.transport.TestMessages.Carrier;
import io.kvorum.transport.TestMessages.Fail;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import io.kvorum.transport.TestMessages.Silent;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client protocol end to end: a WireServer and WireClients over loopback. */
class WireServerClientTest {
    private static final long WAIT_MS = 10_000;
    private final Buses closing = new Buses();
    private final LogCapture logs = new LogCapture("io.kvorum.transport");
    private final List<WireServer.ClientInfo> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        logs.close();
        closing.close();
    }

    /** Answers Ping, echoes Carrier, fails Fail as asked, never answers Silent. */
    private CompletableFuture<? extends io.kvorum.core.Message> handle(WireServer.ClientInfo client,
            io.kvorum.core.Message request) {
        seen.add(client);
        if (request instanceof Ping p) {
            return CompletableFuture.completedFuture(new Pong("pong:" + p.text()));
        }
        if (request instanceof Carrier c) {
            return CompletableFuture.completedFuture(c);
        }
        if (request instanceof Fail f) {
            return switch (f.kind()) {
                case "unavailable" -> CompletableFuture.failedFuture(UnavailableException.of("read", 2, 0));
                case "invalid" -> throw new InvalidRequestException("r > n");
                default -> throw new IllegalStateException("boom");
            };
        }
        if (request instanceof Silent) {
            return new CompletableFuture<>();
        }
        return null;
    }

    private WireServer server(WireServer.Builder b) {
        return closing.track(b.build()).start();
    }

    private WireServer server() {
        return server(WireServer.builder(TestMessages.types(), this::handle).serverName("node-x").eventLoopThreads(1));
    }

    private WireClient client(WireServer server) {
        return client(WireClient.builder(server.localAddress(), TestMessages.types()));
    }

    private WireClient client(WireClient.Builder b) {
        return closing.track(b.build());
    }

    @Test
    void requestAndResponse() throws Exception {
        WireServer server = server();
        WireClient client = client(WireClient.builder(server.localAddress(), TestMessages.types()).clientName("app-1"));
        assertThat(await(client.request(new Ping("a"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:a"));
        Carrier carrier = TestMessages.carrier();
        assertThat(await(client.request(carrier, Carrier.class, WAIT_MS))).isEqualTo(carrier);
        assertThat(client.isConnected()).isTrue();
        assertThat(seen.get(0).clientName()).isEqualTo("app-1");
        assertThat(seen.get(0).user()).isNull();
        assertThat(seen.get(0).remoteAddress().getAddress().isLoopbackAddress()).isTrue();

        // Pipelined: many in flight on one connection, written and answered in coalesced flushes.
        long clientFlushes = client.flushCount();
        long serverFlushes = server.flushCount();
        List<CompletableFuture<Pong>> many = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            many.add(client.request(new Ping("n" + i), Pong.class, WAIT_MS));
        }
        for (int i = 0; i < many.size(); i++) {
            assertThat(await(many.get(i)).text()).isEqualTo("pong:n" + i);
        }
        assertThat(client.flushCount() - clientFlushes).isLessThan(many.size());
        assertThat(server.flushCount() - serverFlushes).isLessThan(many.size());
    }

    @Test
    void failuresArriveTyped() {
        WireServer server = server();
        WireClient client = client(server);
        Throwable unavailable = failureOf(client.request(new Fail("unavailable"), Pong.class, WAIT_MS));
        assertThat(unavailable).isInstanceOf(UnavailableException.class);
        assertThat(((UnavailableException) unavailable).required()).isEqualTo(2);
        assertThat(((UnavailableException) unavailable).alive()).isZero();
        assertThat(failureOf(client.request(new Fail("invalid"), Pong.class, WAIT_MS)))
                .isInstanceOf(InvalidRequestException.class).hasMessage("r > n");
        assertThat(failureOf(client.request(new Fail("boom"), Pong.class, WAIT_MS)))
                .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("IllegalStateException: boom");
        assertThat(failureOf(client.request(new Blob(new byte[0]), Pong.class, WAIT_MS)))
                .isExactlyInstanceOf(KvorumException.class).hasMessageContaining("no response to Blob");
        assertThat(failureOf(client.request(new Ping("x"), Blob.class, WAIT_MS)))
                .isInstanceOf(KvorumException.class).hasMessageContaining("(expected: Blob)");
        Throwable timeout = failureOf(client.request(new Silent(), Pong.class, 200));
        assertThat(timeout).isInstanceOf(RequestTimeoutException.class).hasMessageContaining("200 ms")
                .hasMessageContaining(server.localAddress().toString());
    }

    @Test
    void garbageOnTheServerPortClosesThatConnectionOnly() throws Exception {
        WireServer server = server();
        WireClient good = client(server);
        await(good.request(new Ping("before"), Pong.class, WAIT_MS));

        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
                byte[] garbage = new byte[64 + random.nextInt(512)];
                random.nextBytes(garbage);
                s.getOutputStream().write(garbage);
                assertClosedByPeer(s);
            }
        }
        assertThat(logs.warningsContaining("closing connection with")).hasSizeGreaterThanOrEqualTo(10);
        assertThat(await(good.request(new Ping("after"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:after"));
        // A fresh client is served too.
        assertThat(await(client(server).request(new Ping("new"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:new"));
        assertThat(seen).hasSize(3);
    }

    @Test
    void aRequestBeforeHelloIsRefused() throws Exception {
        WireServer server = server();
        WireCodec codec = new WireCodec(TestMessages.types(), 1 << 20);
        try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            var frame = codec.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, FrameKind.REQUEST, 1,
                    new Ping("sneaky"));
            byte[] bytes = new byte[frame.readableBytes()];
            frame.readBytes(bytes);
            frame.release();
            s.getOutputStream().write(bytes);
            assertClosedByPeer(s);
        }
        assertThat(seen).isEmpty();
        Await.until("logged", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("REQUEST frame before the handshake completed").isEmpty());
    }

    @Test
    void anOversizedRequestIsRefusedAndOthersAreServed() throws Exception {
        WireServer server = server(WireServer.builder(TestMessages.types(), this::handle).maxFrameBytes(4096)
                .eventLoopThreads(1));
        WireClient big = client(WireClient.builder(server.localAddress(), TestMessages.types())
                .maxFrameBytes(1 << 20));
        WireClient other = client(server);
        await(other.request(new Ping("warm"), Pong.class, WAIT_MS));
        assertThat(failureOf(big.request(new Blob(new byte[50_000]), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class).hasMessageContaining("connection to server");
        assertThat(await(other.request(new Ping("still"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:still"));
        // The offender reconnects on demand.
        assertThat(await(big.request(new Ping("small"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:small"));
        Await.until("the refusal was logged", Duration.ofSeconds(5),
                () -> logs.warningsContaining("frame length 50").size() == 1);
    }

    @Test
    void aClientReconnectsOnDemandAfterTheServerRestarts() throws Exception {
        WireServer server = server();
        InetSocketAddress address = server.localAddress();
        WireClient client = client(server);
        await(client.request(new Ping("one"), Pong.class, WAIT_MS));
        server.close();
        Await.until("client noticed", Duration.ofSeconds(5), () -> !client.isConnected());
        long start = System.nanoTime();
        assertThat(failureOf(client.request(new Ping("down"), Pong.class, 30_000)))
                .isInstanceOf(PeerUnavailableException.class).hasMessageContaining(address.toString());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);

        server(WireServer.builder(TestMessages.types(), this::handle).listen("127.0.0.1", address.getPort())
                .eventLoopThreads(1));
        assertThat(await(client.request(new Ping("two"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:two"));
    }

    @Test
    void clientsShareAnEventLoopGroupAndCloseFailsWaitingRequests() throws Exception {
        WireServer server = server();
        NioEventLoopGroup shared = new NioEventLoopGroup(1);
        try {
            WireClient one = client(WireClient.builder(server.localAddress(), TestMessages.types()).eventLoopGroup(shared));
            WireClient two = client(WireClient.builder(server.localAddress(), TestMessages.types()).eventLoopGroup(shared));
            await(one.request(new Ping("1"), Pong.class, WAIT_MS));
            CompletableFuture<Pong> waiting = two.request(new Silent(), Pong.class, 60_000);
            two.close();
            assertThat(failureOf(waiting)).isInstanceOf(PeerUnavailableException.class).hasMessageContaining("closed");
            assertThat(failureOf(two.request(new Ping("late"), Pong.class, WAIT_MS)))
                    .isInstanceOf(PeerUnavailableException.class);
            // The shared group still serves the other client.
            assertThat(await(one.request(new Ping("2"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:2"));
            one.close();
        } finally {
            shared.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aNodePortIsNotAClientPort() throws Exception {
        NettyMessageBus bus = closing.startPonger(5);
        WireClient client = client(WireClient.builder(bus.localAddress(), TestMessages.types()).connectTimeoutMs(2_000));
        assertThat(failureOf(client.request(new Ping("wrong port"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
    }

    private static void assertClosedByPeer(Socket s) throws Exception {
        s.setSoTimeout(5_000);
        assertThat(io.kvorum.core.testing.Sockets.readUntilClosed(s.getInputStream())).as("closed by the peer").isTrue();
    }
}
