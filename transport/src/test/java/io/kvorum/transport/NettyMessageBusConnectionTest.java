package io.kvorum.transport;

import io.kvorum.core.testing.LogCapture;
import static io.kvorum.transport.NettyMessageBusTest.await;
import static io.kvorum.transport.NettyMessageBusTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.testing.Await;
import io.kvorum.transport.TestMessages.Blob;
import io.kvorum.transport.TestMessages.Note;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Connection life: restarts, handshakes and authentication, source addresses, limits. */
class NettyMessageBusConnectionTest {
    private static final long WAIT_MS = 10_000;
    private final Buses buses = new Buses();
    private final LogCapture logs = new LogCapture("io.kvorum.transport");

    @AfterEach
    void tearDown() throws Exception {
        logs.close();
        buses.close();
    }

    @Test
    void reconnectsAfterThePeerRestartsOnTheSamePort() throws Exception {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        a.setAddress(b.self(), b.localAddress());
        assertThat(await(a.request(b.self(), new Ping("before"), Pong.class, WAIT_MS)).text()).contains("before");

        int port = b.localAddress().getPort();
        b.close();
        Await.until("a noticed", Duration.ofSeconds(10), () -> a.linkState(b.self()) != PeerLink.State.UP);
        NettyMessageBus b2 = buses.startPonger(Buses.builder(2).listen("127.0.0.1", port));

        // Without any request needing to fail first, the link comes back by itself.
        Await.until("a reconnected", Duration.ofSeconds(10), () -> a.linkState(b2.self()) == PeerLink.State.UP);
        assertThat(await(a.request(b2.self(), new Ping("after"), Pong.class, WAIT_MS)).text()).contains("after");
    }

    @Test
    void aClusterNameMismatchIsRefused() {
        NettyMessageBus a = buses.startPonger(Buses.builder(1).clusterName("blue"));
        NettyMessageBus b = buses.startPonger(Buses.builder(2).clusterName("green"));
        a.setAddress(b.self(), b.localAddress());
        assertThat(failureOf(a.request(b.self(), new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
        Await.until("b logged why", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("cluster name 'blue' (expected: 'green')").isEmpty());
        String line = logs.warningsContaining("cluster name 'blue' (expected: 'green')").get(0);
        assertThat(line).contains("node " + b.self()).contains("closing connection with /127.0.0.1:");
    }

    @Test
    void matchingSecretsAuthenticate() throws Exception {
        NettyMessageBus a = buses.startPonger(Buses.builder(1).sharedSecret("s3cret"));
        NettyMessageBus b = buses.startPonger(Buses.builder(2).sharedSecret("s3cret"));
        a.setAddress(b.self(), b.localAddress());
        assertThat(await(a.request(b.self(), new Ping("ok"), Pong.class, WAIT_MS)).text()).contains("ok");
        assertThat(await(b.request(a.self(), new Ping("ok"), Pong.class, WAIT_MS)).text()).contains("ok");
        assertThat(logs.warnings()).isEmpty();
    }

    @Test
    void aSecretMismatchIsRefused() {
        NettyMessageBus a = buses.startPonger(Buses.builder(1).sharedSecret("one"));
        NettyMessageBus b = buses.startPonger(Buses.builder(2).sharedSecret("two"));
        a.setAddress(b.self(), b.localAddress());
        assertThat(failureOf(a.request(b.self(), new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
        // Each side refuses the other's proof; the acceptor logs its own line, the initiator's link its own.
        Await.until("the failed proof was logged", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("closing connection with /127.0.0.1:").isEmpty());
        assertThat(logs.warningsContaining("closing connection with /127.0.0.1:").get(0))
                .contains("authentication of node").contains("proof does not match");
    }

    @Test
    void aPeerWithoutTheSecretIsRefused() {
        NettyMessageBus a = buses.startPonger(Buses.builder(1));
        NettyMessageBus b = buses.startPonger(Buses.builder(2).sharedSecret("two"));
        a.setAddress(b.self(), b.localAddress());
        assertThat(failureOf(a.request(b.self(), new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
        Await.until("the missing proof was logged", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("sent no authentication proof").isEmpty());
    }

    @Test
    void aReplayedHandshakeFailsAgainstAFreshChallenge() throws Exception {
        // Record what an authenticated node sends, then replay it byte for byte on a new connection.
        NettyMessageBus b = buses.startPonger(Buses.builder(2).sharedSecret("k"));
        WireCodec codec = new WireCodec(TestMessages.types(), 1 << 20);
        byte[] nonce = HandshakeProof.nonce();
        try (Socket s = new Socket(b.localAddress().getAddress(), b.localAddress().getPort())) {
            int v = WireCodec.PROTOCOL_VERSION;
            Hello first = new Hello(1, "kvorum", v, 7, "127.0.0.1", 1, nonce, HandshakeProof.none());
            byte[] stalePeerNonce = HandshakeProof.nonce(); // not b's challenge on this connection
            Hello second = new Hello(2, "kvorum", v, 7, "127.0.0.1", 1, nonce, HandshakeProof.node(
                    "k".getBytes(), HandshakeProof.Role.INITIATOR, "kvorum", 7, b.self().value(), stalePeerNonce, nonce));
            write(s, codec, first);
            write(s, codec, second);
            assertClosedByPeer(s);
        }
        Await.until("the failed proof was logged", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("proof does not match").isEmpty());
    }

    @Test
    void aPeerClaimingThisNodesIdIsRefused() throws Exception {
        NettyMessageBus b = buses.startPonger(Buses.builder(2));
        WireCodec codec = new WireCodec(TestMessages.types(), 1 << 20);
        try (Socket s = new Socket(b.localAddress().getAddress(), b.localAddress().getPort())) {
            write(s, codec, new Hello(1, "kvorum", WireCodec.PROTOCOL_VERSION, b.self().value(), "127.0.0.1", 1,
                    HandshakeProof.nonce(), HandshakeProof.none()));
            assertClosedByPeer(s);
        }
        Await.until("logged", Duration.ofSeconds(5), () -> !logs.warningsContaining("claims to be this node").isEmpty());
    }

    @Test
    void aSilentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
        NettyMessageBus b = buses.startPonger(Buses.builder(2).connectTimeoutMs(300));
        try (Socket s = new Socket(b.localAddress().getAddress(), b.localAddress().getPort())) {
            assertClosedByPeer(s);
        }
        assertThat(logs.warningsContaining("handshake not completed within 300 ms")).hasSize(1);
    }

    private static void write(Socket s, WireCodec codec, Object hello) throws Exception {
        var buf = codec.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, FrameKind.HELLO, 0, hello);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
    }

    /** Reads until the peer closes the socket (its own HELLO frames are read and ignored). */
    private static void assertClosedByPeer(Socket s) throws Exception {
        s.setSoTimeout(5_000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (java.net.SocketException reset) {
                return;
            }
            if (n < 0) {
                return;
            }
        }
    }

    @Test
    void outgoingConnectionsComeFromTheListenHost() throws Exception {
        // A plain socket on 127.0.0.1 stands in for a peer and sees where the connection comes from.
        try (ServerSocket peer = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
            NettyMessageBus b = buses.startPonger(Buses.builder(2).listen("127.0.0.2", 0));
            b.setAddress(new NodeId(77), new InetSocketAddress(peer.getInetAddress(), peer.getLocalPort()));
            b.send(new NodeId(77), new Note(1));
            peer.setSoTimeout(10_000);
            try (Socket accepted = peer.accept()) {
                assertThat(accepted.getInetAddress().getHostAddress()).isEqualTo("127.0.0.2");
            }
        }
        // And between two buses: a on 127.0.0.1 learns from b's HELLO that b listens on 127.0.0.2.
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(Buses.builder(3).listen("127.0.0.2", 0));
        b.setAddress(a.self(), a.localAddress());
        await(b.request(a.self(), new Ping("from .2"), Pong.class, WAIT_MS));
        assertThat(await(a.request(b.self(), new Ping("to .2"), Pong.class, WAIT_MS)).text()).contains("to .2");
    }

    @Test
    void anOversizedFrameIsRefusedAndTheBusKeepsServingOthers() throws Exception {
        AtomicInteger blobs = new AtomicInteger();
        NettyMessageBus small = buses.start(Buses.builder(2).maxFrameBytes(4096), bus -> {
            Buses.answerPings(bus);
            bus.handle(Blob.class, (from, b) -> {
                blobs.incrementAndGet();
                return CompletableFuture.completedFuture(new Pong("blob"));
            });
        });
        NettyMessageBus big = buses.startPonger(Buses.builder(1).maxFrameBytes(1 << 20));
        NettyMessageBus other = buses.startPonger(3);
        big.setAddress(small.self(), small.localAddress());
        other.setAddress(small.self(), small.localAddress());
        await(other.request(small.self(), new Ping("warm"), Pong.class, WAIT_MS));

        assertThat(failureOf(big.request(small.self(), new Blob(new byte[100_000]), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
        assertThat(blobs).hasValue(0);
        Await.until("the refusal was logged", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("(expected: 1..4096)").isEmpty());
        assertThat(logs.warningsContaining("(expected: 1..4096)")).hasSize(1);

        // Other connections never noticed; the offender's next connection works for sane frames.
        assertThat(await(other.request(small.self(), new Ping("still"), Pong.class, WAIT_MS)).text()).contains("still");
        Await.until("big reconnects", Duration.ofSeconds(10), () -> {
            try {
                return big.request(small.self(), new Ping("small"), Pong.class, 1_000).get().text().contains("small");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void aFullOutboundQueueFailsFastInsteadOfGrowing() throws Exception {
        // A peer that accepts the connection and never answers the handshake keeps the link connecting.
        try (ServerSocket mute = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
            NettyMessageBus a = buses.startPonger(Buses.builder(1).outboundQueueLimit(8).connectTimeoutMs(10_000));
            NodeId peer = new NodeId(9);
            a.setAddress(peer, new InetSocketAddress(mute.getInetAddress(), mute.getLocalPort()));
            List<CompletableFuture<Pong>> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add(a.request(peer, new Ping("q" + i), Pong.class, 30_000));
            }
            long overloaded = sent.stream().filter(CompletableFuture::isCompletedExceptionally).count();
            assertThat(overloaded).isEqualTo(12);
            assertThat(failureOf(sent.get(19))).isInstanceOf(PeerUnavailableException.class)
                    .hasMessageContaining("overloaded").hasMessageContaining("outboundQueueLimit");
            assertThat(sent.get(0)).isNotDone();
        }
    }

    @Test
    void aNodeAtAnAddressIsCheckedAgainstTheIdExpected() {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        a.setAddress(new NodeId(5), b.localAddress());
        assertThat(failureOf(a.request(new NodeId(5), new Ping("who"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class).hasMessageContaining("(expected: node 0000000000000005");
        assertThat(logs.warningsContaining("(expected: node 0000000000000005")).isNotEmpty();
    }

    @Test
    void eventLoopsStopOnClose() throws Exception {
        NettyMessageBus a = buses.startPonger(1);
        NettyMessageBus b = buses.startPonger(2);
        a.setAddress(b.self(), b.localAddress());
        await(a.request(b.self(), new Ping("x"), Pong.class, WAIT_MS));
        a.close();
        b.close();
        Await.until("bus threads ended", Duration.ofSeconds(10), () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(th -> th.getName().startsWith("kvorum-bus-000000000000000") && th.isAlive()
                        && (th.getName().contains("0001-") || th.getName().contains("0002-"))));
    }
}
