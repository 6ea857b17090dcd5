package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.client.cli.AdminCli;
import io.kvorum.client.cli.KvorumCli;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.Sockets;
import io.kvorum.core.testing.TestCertificates;
import io.kvorum.transport.TlsConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real three-node cluster on 127.0.0.41-43 with TLS on both ports: mutual TLS between the nodes
 * (keys from PEM files, the truststore of the three certificates) and TLS on the client port (keys
 * from PKCS12 keystores), certificates made by the README's keytool recipe. Clients with the
 * truststore read and write at QUORUM, with hostnames verified; clients without TLS are refused.
 */
class TlsClusterIT {
    private static final int FIRST_ADDRESS = 41;
    private static Path dir;
    private static TestCertificates certs;
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        dir = Files.createTempDirectory("kvorum-tls-it-");
        certs = TestCertificates.make(dir.resolve("certs"), "127.0.0.41", "127.0.0.42", "127.0.0.43");
        cluster = LocalCluster.startWithTls(dir, 3, FIRST_ADDRESS, TlsClusterIT::tlsFlags, clientTls());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<String> tlsFlags(int node) {
        return List.of("--client.tls.enabled=true", "--client.tls.keystore=" + certs.keyStore(node),
                "--client.tls.keystore_password=" + TestCertificates.PASSWORD,
                "--internode.tls.enabled=true", "--internode.tls.certificate=" + certs.certificate(node),
                "--internode.tls.private_key=" + certs.privateKey(node),
                "--internode.tls.truststore=" + certs.trustStore(),
                "--internode.tls.truststore_password=" + TestCertificates.PASSWORD);
    }

    private static TlsConfig clientTls() {
        return TlsConfig.builder("tls").trustStore(certs.trustStore(), TestCertificates.PASSWORD).verifyHostname(true)
                .build();
    }

    @Test
    void aQuorumWriteOverTlsIsReadBackAtQuorumAndFromEveryNode() {
        try (KvorumClient client = cluster.client()) {
            client.put("secret-key", "over tls", Context.empty(), WriteOptions.quorum());
            assertThat(client.get("secret-key", ReadOptions.quorum()).valueAsString()).isEqualTo("over tls");
        }
        // Each node answers an ALL read: the replicas were written over internode TLS.
        for (String address : cluster.clientAddresses()) {
            try (KvorumClient one = KvorumClient.builder().seeds(address).tls(clientTls()).build()) {
                assertThat(one.get("secret-key", ReadOptions.all()).valueAsString()).as("via %s", address)
                        .isEqualTo("over tls");
            }
        }
    }

    @Test
    void aClientWithoutTlsIsRefusedWithAHint() throws IOException {
        assertThatThrownBy(() -> KvorumClient.builder().seeds(cluster.clientAddress(0))
                .connectTimeout(Duration.ofSeconds(1)).build())
                .isInstanceOf(PeerUnavailableException.class)
                .hasMessageContaining("connect with TLS");
        // One that speaks plaintext frames is closed at once.
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(cluster.host(0), LocalCluster.CLIENT_PORT), 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0, 0, 0, 20, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            assertThat(Sockets.readUntilClosed(s.getInputStream())).as("the client port closes a plaintext client").isTrue();
        }
        Await.until("node 1 logged the plaintext client", Duration.ofSeconds(10),
                () -> log(0).contains("the peer does not speak TLS"));
    }

    @Test
    void theInternodePortRefusesAPlaintextPeer() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(cluster.host(1), LocalCluster.INTERNODE_PORT), 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("HELLO, is this a node?".getBytes(StandardCharsets.US_ASCII));
            assertThat(Sockets.readUntilClosed(s.getInputStream())).as("the internode port closes a plaintext peer").isTrue();
        }
        Await.until("node 2 logged the plaintext peer", Duration.ofSeconds(10),
                () -> log(1).contains("node") && log(1).contains("the peer does not speak TLS"));
        assertThat(log(1)).contains("TLS TLSv1.3/TLSv1.2, certificate 'CN=node-2")
                .contains("peer certificates required");
    }

    @Test
    void theCommandLinesTalkTls() {
        String host = cluster.clientAddress(2);
        String pem = certs.trustedCertificates().toString();
        Run put = run(true, "--host", host, "--truststore", pem, "put", "cli-key", "cli-value");
        assertThat(put.code).as(put.err).isZero();
        Run get = run(true, "--host", host, "--truststore", pem, "get", "cli-key", "--r", "all");
        assertThat(get.code).as(get.err).isZero();
        assertThat(get.out).contains("cli-value");

        Run status = run(false, "--host", host, "--truststore", pem, "status");
        assertThat(status.code).as(status.err).isZero();
        assertThat(status.out.lines().filter(l -> l.startsWith("Up")).count()).isEqualTo(3);

        Run plain = run(true, "--host", host, "--connect-timeout", "1s", "get", "cli-key");
        assertThat(plain.code).isEqualTo(1);
        assertThat(plain.err).contains("connect with TLS");
    }

    private record Run(int code, String out, String err) {
    }

    /** Runs bin/kvorum ({@code data}) or bin/kvorum-admin in this JVM. */
    private static Run run(boolean data, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = data ? KvorumCli.run(args, o, e) : AdminCli.run(args, o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String log(int node) {
        try {
            return Files.readString(cluster.nodeDir(node).resolve("logs").resolve("node-" + (node + 1) + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

}
