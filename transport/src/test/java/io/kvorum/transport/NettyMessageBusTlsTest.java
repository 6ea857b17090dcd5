package io.kvorum.transport;

import static io.kvorum.transport.NettyMessageBusTest.await;
import static io.kvorum.transport.NettyMessageBusTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.testing.TestCertificates;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import java.io.InputStream;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The internode bus over mutual TLS: both ends prove certificates, and the shared-secret handshake still runs inside. */
class NettyMessageBusTlsTest {
    private static final long WAIT_MS = 10_000;
    private static final String SECRET = "a-secret-of-the-cluster";
    private final Buses buses = new Buses();
    private final LogCapture logs = new LogCapture("io.kvorum.transport");

    @AfterEach
    void tearDown() {
        logs.close();
        buses.close();
    }

    /** Bus {@code id} with node {@code cert}'s key, trusting the cluster, demanding peers' certificates. */
    private static NettyMessageBus.Builder tlsBus(long id, int cert) {
        return Buses.builder(id).sharedSecret(SECRET).tls(TlsFixtures.node(cert).requireClientAuth(true).build());
    }

    @Test
    void twoNodesTalkBothWaysOverMutualTls() throws Exception {
        NettyMessageBus a = buses.startPonger(tlsBus(1, 0));
        NettyMessageBus b = buses.startPonger(tlsBus(2, 1));
        a.setAddress(b.self(), b.localAddress());
        assertThat(await(a.request(b.self(), new Ping("to b"), Pong.class, WAIT_MS)).text()).isEqualTo("pong:to b@" + b.self());
        // b learned a's address from its HELLO and dials back over TLS with its own certificate.
        assertThat(await(b.request(a.self(), new Ping("to a"), Pong.class, WAIT_MS)).text()).isEqualTo("pong:to a@" + a.self());
        assertThat(await(b.identify(a.localAddress(), WAIT_MS))).isEqualTo(a.self());
        assertThat(logs.warnings()).isEmpty();
    }

    @Test
    void theSharedSecretIsStillCheckedInsideTls() {
        NettyMessageBus a = buses.startPonger(tlsBus(1, 0).sharedSecret("another-secret-entirely"));
        NettyMessageBus b = buses.startPonger(tlsBus(2, 1));
        a.setAddress(b.self(), b.localAddress());
        assertThat(failureOf(a.request(b.self(), new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class);
        Await.until("the failed proof was logged", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("proof does not match").isEmpty());
    }

    @Test
    void aPlaintextNodeAndATlsNodeRefuseEachOtherWithTheReason() {
        NettyMessageBus tls = buses.startPonger(tlsBus(1, 0));
        NettyMessageBus plain = buses.startPonger(Buses.builder(2).sharedSecret(SECRET));
        plain.setAddress(tls.self(), tls.localAddress());
        assertThat(failureOf(plain.request(tls.self(), new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class).hasMessageContaining("the peer speaks TLS");
        Await.until("the TLS node logged the plaintext", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("the peer does not speak TLS").isEmpty());

        tls.setAddress(plain.self(), plain.localAddress());
        assertThat(failureOf(tls.request(plain.self(), new Ping("y"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class).hasMessageContaining("the peer does not speak TLS");
        Await.until("the plaintext node logged the TLS handshake", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("the peer began a TLS handshake").isEmpty());
    }

    @Test
    void aNodeWhoseCertificateIsNotTrustedIsRefused() {
        TestCertificates stranger = TlsFixtures.stranger();
        // The stranger trusts the cluster, but the cluster does not trust the stranger.
        NettyMessageBus intruder = buses.startPonger(Buses.builder(9).sharedSecret(SECRET).tls(
                TlsConfig.builder("internode.tls").keyStore(stranger.keyStore(0), TestCertificates.PASSWORD)
                        .trustStore(TlsFixtures.cluster().trustStore(), TestCertificates.PASSWORD)
                        .requireClientAuth(true).build()));
        NettyMessageBus b = buses.startPonger(tlsBus(2, 1));
        intruder.setAddress(b.self(), b.localAddress());
        assertThat(failureOf(intruder.request(b.self(), new Ping("x"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class).hasMessageContaining("the peer refused the TLS handshake");
        // The intruder's TLS offers only certificates b names as trusted: it presents none.
        Await.until("b logged the untrusted certificate", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("the peer presented no certificate that this end trusts").isEmpty());

        // And the other way: the cluster node does not trust the stranger's server certificate.
        b.setAddress(intruder.self(), intruder.localAddress());
        assertThat(failureOf(b.request(intruder.self(), new Ping("y"), Pong.class, WAIT_MS)))
                .isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("the peer's certificate is not trusted here");
    }

    @Test
    void aPeerWithoutAClientCertificateIsRefusedWhenOneIsRequired() throws Exception {
        NettyMessageBus b = buses.startPonger(tlsBus(2, 1));
        assertThat(handshakeWithoutCertificate(b)).as("TLS with no client certificate").isFalse();
        Await.until("b logged the missing certificate", Duration.ofSeconds(5),
                () -> !logs.warningsContaining("closing connection with").isEmpty());
        assertThat(logs.warningsContaining("closing connection with").get(0))
                .contains("the peer presented no certificate");

        // Without require_client_auth the same client gets through TLS (and would meet the HELLO).
        NettyMessageBus open = buses.startPonger(Buses.builder(3).sharedSecret(SECRET)
                .tls(TlsFixtures.node(0).requireClientAuth(false).build()));
        assertThat(handshakeWithoutCertificate(open)).as("TLS without client authentication").isTrue();
    }

    @Test
    void aBusNeedsAKeyForTls() {
        assertThatThrownBy(() -> Buses.builder(1).tls(TlsFixtures.clusterClient().build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("internode TLS test.tls: no key");
    }

    /**
     * Connects to {@code bus} with the JDK's own TLS client, trusting the cluster and presenting no
     * certificate; true when the bus's HELLO arrives through TLS, false when the bus closes it.
     */
    private static boolean handshakeWithoutCertificate(NettyMessageBus bus) throws Exception {
        KeyStore trust = KeyStore.getInstance(TlsFixtures.cluster().trustStore().toFile(),
                TestCertificates.PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(bus.localAddress().getAddress(),
                bus.localAddress().getPort())) {
            s.setSoTimeout(5_000);
            InputStream in = s.getInputStream();
            // In TLS 1.3 the client finishes its side first; the server's refusal arrives as an alert on read.
            try {
                return in.read() >= 0;
            } catch (SSLException | java.net.SocketException refused) {
                return false;
            }
        }
    }

    @Test
    void nodeIdsStillComeFromTheHandshakeNotTheCertificate() throws Exception {
        // Both buses use node 1's certificate: TLS says "a node of this cluster", the HELLO says which.
        NettyMessageBus a = buses.startPonger(tlsBus(1, 0));
        NettyMessageBus b = buses.startPonger(tlsBus(2, 0));
        a.setAddress(new NodeId(2), b.localAddress());
        assertThat(await(a.request(new NodeId(2), new Ping("same cert"), Pong.class, WAIT_MS)).text())
                .endsWith("@" + b.self());
    }
}
