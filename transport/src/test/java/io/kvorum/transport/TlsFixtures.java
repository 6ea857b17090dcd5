package io.kvorum.transport;

import io.kvorum.core.testing.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Certificates for this module's TLS tests, made once per test JVM (keytool is slow to start) in a
 * temporary directory that is deleted when the JVM exits: a "cluster" of two nodes on 127.0.0.1
 * that trust each other, and a "stranger" on 127.0.0.9 that the cluster does not trust.
 */
final class TlsFixtures {
    private TlsFixtures() {
    }

    private static final class Holder {
        static final Path DIR = tempDir();
        static final TestCertificates CLUSTER = TestCertificates.make(DIR.resolve("cluster"), "127.0.0.1", "127.0.0.1");
        static final TestCertificates STRANGER = TestCertificates.make(DIR.resolve("stranger"), "127.0.0.9");
    }

    static TestCertificates cluster() {
        return Holder.CLUSTER;
    }

    static TestCertificates stranger() {
        return Holder.STRANGER;
    }

    /** Node {@code i} of the cluster: its keystore, trusting the cluster. */
    static TlsConfig.Builder node(int i) {
        return TlsConfig.builder("test.tls").keyStore(cluster().keyStore(i), TestCertificates.PASSWORD)
                .trustStore(cluster().trustStore(), TestCertificates.PASSWORD);
    }

    /** A client with no certificate of its own that trusts the cluster. */
    static TlsConfig.Builder clusterClient() {
        return TlsConfig.builder("test.tls").trustStore(cluster().trustStore(), TestCertificates.PASSWORD);
    }

    private static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("kvorum-tls-test-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
