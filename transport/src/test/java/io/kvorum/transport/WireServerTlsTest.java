package io.kvorum.transport;

import static io.kvorum.transport.NettyMessageBusTest.await;
import static io.kvorum.transport.NettyMessageBusTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Message;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.testing.TestCertificates;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client port over TLS: a WireServer and WireClients on loopback, and what happens when the two ends disagree. */
class WireServerTlsTest {
    private static final long WAIT_MS = 10_000;
    private final Buses closing = new Buses();
    private final LogCapture logs = new LogCapture("io.kvorum.transport");

    @AfterEach
    void tearDown() {
        logs.close();
        closing.close();
    }

    private static CompletionStage<? extends Message> pong(WireServer.ClientInfo client, Message request) {
        return CompletableFuture.completedFuture(new Pong("pong:" + ((Ping) request).text()));
    }

    private WireServer server(TlsConfig tls) {
        WireServer.Builder b = WireServer.builder(TestMessages.types(), WireServerTlsTest::pong).serverName("node-x")
                .eventLoopThreads(1).handshakeTimeoutMs(2_000);
        if (tls != null) {
            b.tls(tls);
        }
        return closing.track(b.build()).start();
    }

    private WireClient client(WireServer server, TlsConfig tls, long connectTimeoutMs) {
        WireClient.Builder b = WireClient.builder(server.localAddress(), TestMessages.types())
                .connectTimeoutMs(connectTimeoutMs);
        if (tls != null) {
            b.tls(tls);
        }
        return closing.track(b.build());
    }

    @Test
    void requestsAndResponsesFlowOverTlsFromAKeystore() throws Exception {
        WireServer server = server(TlsFixtures.node(0).build());
        WireClient client = client(server, TlsFixtures.clusterClient().verifyHostname(true).build(), 5_000);
        assertThat(await(client.request(new Ping("secret"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:secret"));
        // Pipelined, as on a plaintext connection.
        List<CompletableFuture<Pong>> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(client.request(new Ping("n" + i), Pong.class, WAIT_MS));
        }
        for (int i = 0; i < many.size(); i++) {
            assertThat(await(many.get(i)).text()).isEqualTo("pong:n" + i);
        }
        assertThat(client.isConnected()).isTrue();
        assertThat(logs.warnings()).isEmpty();
    }

    @Test
    void requestsFlowOverTlsFromPemFiles() throws Exception {
        TestCertificates certs = TlsFixtures.cluster();
        WireServer server = server(TlsConfig.builder("client.tls")
                .certificateAndKey(certs.certificate(1), certs.privateKey(1)).build());
        WireClient client = client(server, TlsConfig.builder("tls").trustedCertificates(certs.trustedCertificates())
                .verifyHostname(true).build(), 5_000);
        assertThat(await(client.request(new Ping("pem"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:pem"));
    }

    @Test
    void aPlaintextClientOfATlsServerFailsWithAHintAndIsClosedByTheServer() throws Exception {
        WireServer server = server(TlsFixtures.node(0).build());
        // Within the server's handshake timeout (2 s), the plaintext client gives up first and says why.
        WireClient plain = client(server, null, 500);
        Throwable failure = failureOf(plain.request(new Ping("x"), Pong.class, WAIT_MS));
        assertThat(failure).isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("did not complete the handshake within 500 ms")
                .hasMessageContaining("a server with TLS on waits silently for a TLS handshake: connect with TLS");

        // A plaintext peer that just waits is closed by the server when its handshake timeout ends.
        long start = System.nanoTime();
        try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            assertClosedByPeer(s);
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(tookMs).isBetween(1_500L, 8_000L);
        Await.until("the server logged why", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("TLS handshake not completed within 2000 ms").isEmpty());

        // Plaintext frames are refused at once, as not TLS.
        WireCodec codec = new WireCodec(TestMessages.types(), 1 << 20);
        try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            var hello = codec.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, FrameKind.HELLO, 0,
                    new ClientHello(WireCodec.PROTOCOL_VERSION, "plain", null));
            byte[] bytes = new byte[hello.readableBytes()];
            hello.readBytes(bytes);
            hello.release();
            s.getOutputStream().write(bytes);
            assertClosedByPeer(s);
        }
        Await.until("the server logged the plaintext", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("the peer does not speak TLS").isEmpty());

        // And TLS clients are served all along.
        WireClient tls = client(server, TlsFixtures.clusterClient().build(), 5_000);
        assertThat(await(tls.request(new Ping("ok"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:ok"));
    }

    @Test
    void aProbeThatConnectsAndClosesLeavesNoWarning() throws Exception {
        // Health checks and port probes open TCP connections and close them without a byte.
        WireServer server = server(TlsFixtures.node(0).build());
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
                s.setSoLinger(true, 0);
            }
        }
        Await.until("the probes' connections closed", Duration.ofSeconds(5), () -> server.openConnections() == 0);
        WireClient tls = client(server, TlsFixtures.clusterClient().build(), 5_000);
        assertThat(await(tls.request(new Ping("after probes"), Pong.class, WAIT_MS)).text()).endsWith("probes");
        assertThat(logs.warnings()).isEmpty();
    }

    @Test
    void aTlsClientOfAPlaintextServerFailsAtOnceSayingTheServerDoesNotSpeakTls() {
        WireServer server = server(null);
        WireClient client = client(server, TlsFixtures.clusterClient().build(), 5_000);
        long start = System.nanoTime();
        Throwable failure = failureOf(client.request(new Ping("x"), Pong.class, WAIT_MS));
        assertThat(failure).isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("the peer does not speak TLS");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_000);
        Await.until("the server logged the TLS handshake", Duration.ofSeconds(5), () -> !logs.warningsContaining(
                "the peer began a TLS handshake (expected: plaintext frames: TLS is off here)").isEmpty());
    }

    @Test
    void aServerCertificateFromAnotherAuthorityIsRefused() {
        WireServer server = server(TlsFixtures.node(0).build());
        TestCertificates stranger = TlsFixtures.stranger();
        WireClient client = client(server, TlsConfig.builder("tls")
                .trustStore(stranger.trustStore(), TestCertificates.PASSWORD).build(), 5_000);
        assertThat(failureOf(client.request(new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("the peer's certificate is not trusted here")
                .hasMessageContaining("unable to find valid certification path");
        Await.until("the server logged the client's refusal", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("the peer refused the TLS handshake (certificate_unknown").isEmpty());
    }

    @Test
    void hostnameVerificationRefusesACertificateForAnotherAddress() throws Exception {
        // The stranger's certificate names 127.0.0.9; the server listens on 127.0.0.1.
        TestCertificates stranger = TlsFixtures.stranger();
        WireServer server = server(TlsConfig.builder("client.tls")
                .keyStore(stranger.keyStore(0), TestCertificates.PASSWORD).build());
        TlsConfig.Builder trusting = TlsConfig.builder("tls").trustStore(stranger.trustStore(), TestCertificates.PASSWORD);
        WireClient checking = client(server, trusting.verifyHostname(true).build(), 5_000);
        assertThat(failureOf(checking.request(new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("not trusted here")
                .hasMessageContaining("127.0.0.1");
        WireClient lenient = client(server, trusting.verifyHostname(false).build(), 5_000);
        assertThat(await(lenient.request(new Ping("y"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:y"));
    }

    private static void assertClosedByPeer(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        assertThat(io.kvorum.core.testing.Sockets.readUntilClosed(s.getInputStream())).as("closed by the peer").isTrue();
    }
}
