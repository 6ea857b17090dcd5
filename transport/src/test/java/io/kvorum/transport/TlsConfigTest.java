package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building TLS configurations: what works, and one clear error naming the setting and file for what does not. */
class TlsConfigTest {
    private static final String PW = TestCertificates.PASSWORD;

    @TempDir
    Path dir;

    private static TestCertificates certs() {
        return TlsFixtures.cluster();
    }

    @Test
    void aKeystoreAndTruststoreMakeAConfigThatServesAndSaysWhatItUses() {
        TlsConfig tls = TlsConfig.builder("internode.tls").keyStore(certs().keyStore(0), PW)
                .trustStore(certs().trustStore(), PW).requireClientAuth(true).build();
        assertThat(tls.canServe()).isTrue();
        assertThat(tls.requiresClientAuth()).isTrue();
        assertThat(tls.describe()).contains("TLSv1.3/TLSv1.2").contains("CN=node-1")
                .contains("keystore " + certs().keyStore(0)).contains("truststore " + certs().trustStore())
                .contains("peer certificates required");
    }

    @Test
    void pemFilesMakeTheSameConfig() {
        TlsConfig tls = TlsConfig.builder("client.tls").certificateAndKey(certs().certificate(1), certs().privateKey(1))
                .trustedCertificates(certs().trustedCertificates()).build();
        assertThat(tls.canServe()).isTrue();
        assertThat(tls.describe()).contains("CN=node-2").contains("certificates in " + certs().trustedCertificates());
    }

    @Test
    void aClientNeedsNoKeyAndTrustsTheJdkAuthoritiesByDefault() {
        TlsConfig tls = TlsConfig.builder("tls").verifyHostname(true).build();
        assertThat(tls.canServe()).isFalse();
        assertThat(tls.describe()).contains("no certificate of its own").contains("JDK's default")
                .contains("hostnames verified");
    }

    @Test
    void trustTellsATruststoreFromAPemFile() {
        assertThat(TlsConfig.builder("tls").trust(certs().trustedCertificates(), null).build().describe())
                .contains("certificates in ");
        assertThat(TlsConfig.builder("tls").trust(certs().trustStore(), PW).build().describe())
                .contains("truststore ");
    }

    @Test
    void aMissingFileIsNamedWithItsSetting() {
        Path missing = dir.resolve("nope.p12");
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").keyStore(missing, PW).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client.tls.keystore: " + missing + " does not exist");
        assertThatThrownBy(() -> TlsConfig.builder("internode.tls").keyStore(certs().keyStore(0), PW)
                .trustStore(missing, PW).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("internode.tls.truststore: ");
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").certificateAndKey(certs().certificate(0), missing)
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client.tls.private_key: " + missing + " does not exist");
    }

    @Test
    void aWrongPasswordNamesThePasswordSetting() {
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").keyStore(certs().keyStore(0), "wrong-password").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client.tls.keystore_password: wrong password for keystore " + certs().keyStore(0));
        assertThatThrownBy(() -> TlsConfig.builder("internode.tls").keyStore(certs().keyStore(0), PW)
                .trustStore(certs().trustStore(), "wrong-password").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internode.tls.truststore_password: wrong password for keystore");
    }

    @Test
    void aFileOfTheWrongKindSaysWhatWasExpected() throws Exception {
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").keyStore(certs().certificate(0), PW).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("client.tls.keystore: " + certs().certificate(0) + " is not a keystore");
        Path garbage = Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").trustedCertificates(garbage).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("client.tls.trusted_certificates: " + garbage + " holds no certificate");
        assertThatThrownBy(() -> TlsConfig.builder("client.tls")
                .certificateAndKey(certs().certificate(0), certs().certificate(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("client.tls.private_key: " + certs().certificate(0) + " holds no private key");
    }

    @Test
    void keysInOtherPemFormatsAreRefusedWithTheConversion() throws Exception {
        Path sec1 = Files.writeString(dir.resolve("sec1.key"),
                "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").certificateAndKey(certs().certificate(0), sec1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client.tls.private_key: the key in " + sec1 + " is a 'EC PRIVATE KEY'")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        Path encrypted = Files.writeString(dir.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMHcCAQEEIA==\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").certificateAndKey(certs().certificate(0), encrypted)
                .build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is encrypted");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        assertThatThrownBy(() -> TlsConfig.builder("internode.tls")
                .certificateAndKey(certs().certificate(0), certs().privateKey(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internode.tls.private_key: the key in " + certs().privateKey(1)
                        + " is not the key of the certificate in " + certs().certificate(0));
    }

    @Test
    void contradictorySettingsAreRefused() {
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").keyStore(certs().keyStore(0), PW)
                .certificateAndKey(certs().certificate(0), certs().privateKey(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("client.tls.keystore and client.tls.certificate are both set");
        assertThatThrownBy(() -> TlsConfig.builder("internode.tls").keyStore(certs().keyStore(0), PW)
                .requireClientAuth(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internode.tls.require_client_auth is on without internode.tls.truststore");
    }

    @Test
    void aTruststoreWithoutCertificatesIsRefused() {
        // A keystore of one key entry: its own certificate is not a trusted one.
        assertThatThrownBy(() -> TlsConfig.builder("internode.tls").keyStore(certs().keyStore(0), PW)
                .trustStore(certs().keyStore(1), PW).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internode.tls.truststore: truststore " + certs().keyStore(1)
                        + " holds no trusted certificates");
    }

    @Test
    void anExpiredCertificateIsRefusedAtBuild() {
        Path store = dir.resolve("expired.p12");
        TestCertificates.keytool("-genkeypair", "-alias", "old", "-keyalg", "EC", "-groupname", "secp256r1",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PW, "-dname", "CN=old",
                "-startdate", "-10d", "-validity", "2");
        assertThatThrownBy(() -> TlsConfig.builder("client.tls").keyStore(store, PW).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("client.tls.keystore: the certificate in " + store + " ('CN=old') is valid"
                        + " only from")
                .hasMessageEndingWith("(expected: a certificate valid now)");
    }
}
