package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Settings;
import io.kvorum.core.testing.TestCertificates;
import io.kvorum.transport.TlsConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client.tls.* and internode.tls.* keys: off by default, and every half-configured case refused by name. */
class TlsSettingsTest {
    @TempDir
    static Path dir;
    private static TestCertificates certs;

    @BeforeAll
    static void makeCertificates() {
        certs = TestCertificates.make(dir.resolve("certs"), "127.0.0.1");
    }

    private static Settings settings(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return Settings.of(m);
    }

    @Test
    void tlsIsOffByDefaultOnBothPorts() {
        assertThat(TlsSettings.clientPort(Settings.empty())).isNull();
        assertThat(TlsSettings.internode(Settings.empty())).isNull();
    }

    @Test
    void theClientPortServesFromAKeystoreOrPemFiles() {
        TlsConfig fromKeystore = TlsSettings.clientPort(settings("client.tls.enabled", "true",
                "client.tls.keystore", certs.keyStore(0).toString(),
                "client.tls.keystore_password", TestCertificates.PASSWORD));
        assertThat(fromKeystore.canServe()).isTrue();
        assertThat(fromKeystore.requiresClientAuth()).isFalse();
        TlsConfig fromPem = TlsSettings.clientPort(settings("client.tls.enabled", "true",
                "client.tls.certificate", certs.certificate(0).toString(),
                "client.tls.private_key", certs.privateKey(0).toString()));
        assertThat(fromPem.describe()).contains("CN=node-1");
    }

    @Test
    void internodeTlsIsMutualByDefault() {
        TlsConfig tls = TlsSettings.internode(settings("internode.tls.enabled", "true",
                "internode.tls.keystore", certs.keyStore(0).toString(),
                "internode.tls.keystore_password", TestCertificates.PASSWORD,
                "internode.tls.truststore", certs.trustStore().toString(),
                "internode.tls.truststore_password", TestCertificates.PASSWORD));
        assertThat(tls.requiresClientAuth()).isTrue();
        assertThat(tls.verifiesHostname()).isFalse();
        TlsConfig pem = TlsSettings.internode(settings("internode.tls.enabled", "true",
                "internode.tls.certificate", certs.certificate(0).toString(),
                "internode.tls.private_key", certs.privateKey(0).toString(),
                "internode.tls.trusted_certificates", certs.trustedCertificates().toString(),
                "internode.tls.verify_hostname", "true"));
        assertThat(pem.verifiesHostname()).isTrue();
    }

    @Test
    void enabledWithoutAKeyIsRefused() {
        assertThatThrownBy(() -> TlsSettings.clientPort(settings("client.tls.enabled", "true")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client.tls.enabled=true needs client.tls.keystore, or client.tls.certificate and"
                        + " client.tls.private_key (expected: this node's key and certificate)");
        assertThatThrownBy(() -> TlsSettings.clientPort(settings("client.tls.enabled", "true",
                "client.tls.certificate", certs.certificate(0).toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("client.tls.certificate is set without client.tls.private_key");
    }

    @Test
    void internodeTlsWithoutExplicitTrustIsRefused() {
        assertThatThrownBy(() -> TlsSettings.internode(settings("internode.tls.enabled", "true",
                "internode.tls.keystore", certs.keyStore(0).toString(),
                "internode.tls.keystore_password", TestCertificates.PASSWORD)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internode.tls.enabled=true needs internode.tls.truststore or"
                        + " internode.tls.trusted_certificates");
    }

    @Test
    void keyFilesWhileTlsIsOffAreRefused() {
        assertThatThrownBy(() -> TlsSettings.clientPort(settings("client.tls.keystore", "node.p12")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client.tls.keystore is set but client.tls.enabled is false (expected:"
                        + " client.tls.enabled=true to use TLS, or no TLS files)");
        assertThatThrownBy(() -> TlsSettings.internode(settings("internode.tls.truststore", "t.p12",
                "internode.tls.keystore", "k.p12")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internode.tls.keystore, internode.tls.truststore are set but");
    }

    @Test
    void aBadFileIsNamedWithItsSetting() {
        Path missing = dir.resolve("missing.p12");
        assertThatThrownBy(() -> TlsSettings.internode(settings("internode.tls.enabled", "true",
                "internode.tls.keystore", certs.keyStore(0).toString(),
                "internode.tls.keystore_password", TestCertificates.PASSWORD,
                "internode.tls.truststore", missing.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("internode.tls.truststore: " + missing + " does not exist");
        assertThatThrownBy(() -> TlsSettings.clientPort(settings("client.tls.enabled", "true",
                "client.tls.keystore", certs.keyStore(0).toString(), "client.tls.keystore_password", "wrong")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("client.tls.keystore_password: wrong password");
    }
}
