package io.kvorum.node;

import io.kvorum.core.Setting;
import io.kvorum.core.Settings;
import io.kvorum.transport.TlsConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The TLS keys of a node's two ports, {@code client.tls.*} and {@code internode.tls.*}, and the
 * {@link TlsConfig} each makes. Off by default on both: a local cluster needs no certificates.
 *
 * <p>The internode port is mutual TLS by default: each node serves with its key and presents the
 * same key when it connects, and both ends check the other's certificate against the cluster's
 * truststore. An explicit truststore is required there, because the JDK's public authorities
 * would admit anyone holding a web certificate. The shared-secret handshake keeps running inside
 * TLS: a stolen certificate alone does not make a node.
 *
 * <p>Key files set while their port's TLS is off stop the node: a node run in plaintext by an
 * operator who believes it is encrypted is worse than one that refuses to start.
 */
final class TlsSettings {
    private TlsSettings() {
    }

    static final Setting<Boolean> CLIENT_ENABLED = Setting.bool("client.tls.enabled", false,
            "Serve clients over TLS only (TLSv1.3 and TLSv1.2); clients then need TLS too (bin/kvorum --tls). Needs"
                    + " client.tls.keystore, or client.tls.certificate and client.tls.private_key.");

    static final Setting<String> CLIENT_KEYSTORE = Setting.text("client.tls.keystore", "",
            "PKCS12 or JKS keystore with this node's key and certificate for the client port. The README's TLS"
                    + " section shows how to make one with keytool.");

    static final Setting<String> CLIENT_KEYSTORE_PASSWORD = Setting.text("client.tls.keystore_password", "",
            "Password of client.tls.keystore and of the key in it. Keep this file readable by the node's user"
                    + " only.");

    static final Setting<String> CLIENT_CERTIFICATE = Setting.text("client.tls.certificate", "",
            "Instead of a keystore: PEM file of this node's certificate chain, its own certificate first.");

    static final Setting<String> CLIENT_PRIVATE_KEY = Setting.text("client.tls.private_key", "",
            "With client.tls.certificate: PEM file of its unencrypted PKCS#8 private key ('BEGIN PRIVATE KEY').");

    static final Setting<Boolean> INTERNODE_ENABLED = Setting.bool("internode.tls.enabled", false,
            "Talk to other nodes over TLS only, on every node of the cluster at once: a node with TLS and one without"
                    + " refuse each other. Needs a key (internode.tls.keystore, or .certificate and .private_key) and"
                    + " the cluster's trust (internode.tls.truststore or .trusted_certificates). The cluster.secret"
                    + " handshake still runs inside TLS.");

    static final Setting<String> INTERNODE_KEYSTORE = Setting.text("internode.tls.keystore", "",
            "PKCS12 or JKS keystore with this node's key and certificate, used both to accept connections from"
                    + " other nodes and to connect to them.");

    static final Setting<String> INTERNODE_KEYSTORE_PASSWORD = Setting.text("internode.tls.keystore_password", "",
            "Password of internode.tls.keystore and of the key in it.");

    static final Setting<String> INTERNODE_CERTIFICATE = Setting.text("internode.tls.certificate", "",
            "Instead of a keystore: PEM file of this node's certificate chain, its own certificate first.");

    static final Setting<String> INTERNODE_PRIVATE_KEY = Setting.text("internode.tls.private_key", "",
            "With internode.tls.certificate: PEM file of its unencrypted PKCS#8 private key.");

    static final Setting<String> INTERNODE_TRUSTSTORE = Setting.text("internode.tls.truststore", "",
            "PKCS12 or JKS truststore of the certificates of the cluster's nodes, or of the authority that signed"
                    + " them: a peer must present one of these, or one signed by one of these.");

    static final Setting<String> INTERNODE_TRUSTSTORE_PASSWORD = Setting.text("internode.tls.truststore_password", "",
            "Password of internode.tls.truststore.");

    static final Setting<String> INTERNODE_TRUSTED_CERTIFICATES = Setting.text("internode.tls.trusted_certificates",
            "", "Instead of a truststore: PEM file of the certificates to trust (nodes' own, or their authority's).");

    static final Setting<Boolean> INTERNODE_REQUIRE_CLIENT_AUTH = Setting.bool("internode.tls.require_client_auth",
            true, "A node connecting to this one must present a certificate this node trusts (mutual TLS). Off,"
                    + " TLS only encrypts and proves the accepting node, and peers are authenticated by"
                    + " cluster.secret alone.");

    static final Setting<Boolean> INTERNODE_VERIFY_HOSTNAME = Setting.bool("internode.tls.verify_hostname", false,
            "When connecting, also check that the peer's certificate names the address dialled (a subject"
                    + " alternative name of its IP or host name). Off by default: the truststore already admits"
                    + " only the cluster's certificates, and node identity is proven by the cluster.secret handshake.");

    static List<Setting<?>> clientPortSettings() {
        return List.of(CLIENT_ENABLED, CLIENT_KEYSTORE, CLIENT_KEYSTORE_PASSWORD, CLIENT_CERTIFICATE,
                CLIENT_PRIVATE_KEY);
    }

    static List<Setting<?>> internodeSettings() {
        return List.of(INTERNODE_ENABLED, INTERNODE_KEYSTORE, INTERNODE_KEYSTORE_PASSWORD, INTERNODE_CERTIFICATE,
                INTERNODE_PRIVATE_KEY, INTERNODE_TRUSTSTORE, INTERNODE_TRUSTSTORE_PASSWORD,
                INTERNODE_TRUSTED_CERTIFICATES, INTERNODE_REQUIRE_CLIENT_AUTH, INTERNODE_VERIFY_HOSTNAME);
    }

    /** The client port's TLS, or null when it is off. */
    static TlsConfig clientPort(Settings settings) {
        List<Setting<String>> files = List.of(CLIENT_KEYSTORE, CLIENT_CERTIFICATE, CLIENT_PRIVATE_KEY);
        if (!settings.get(CLIENT_ENABLED)) {
            refuseFilesWhileOff(settings, CLIENT_ENABLED, files);
            return null;
        }
        TlsConfig.Builder b = TlsConfig.builder("client.tls");
        key(settings, b, CLIENT_ENABLED, CLIENT_KEYSTORE, CLIENT_KEYSTORE_PASSWORD, CLIENT_CERTIFICATE,
                CLIENT_PRIVATE_KEY);
        return b.build();
    }

    /** The internode port's TLS, or null when it is off. */
    static TlsConfig internode(Settings settings) {
        List<Setting<String>> files = List.of(INTERNODE_KEYSTORE, INTERNODE_CERTIFICATE, INTERNODE_PRIVATE_KEY,
                INTERNODE_TRUSTSTORE, INTERNODE_TRUSTED_CERTIFICATES);
        if (!settings.get(INTERNODE_ENABLED)) {
            refuseFilesWhileOff(settings, INTERNODE_ENABLED, files);
            return null;
        }
        TlsConfig.Builder b = TlsConfig.builder("internode.tls")
                .requireClientAuth(settings.get(INTERNODE_REQUIRE_CLIENT_AUTH))
                .verifyHostname(settings.get(INTERNODE_VERIFY_HOSTNAME));
        key(settings, b, INTERNODE_ENABLED, INTERNODE_KEYSTORE, INTERNODE_KEYSTORE_PASSWORD, INTERNODE_CERTIFICATE,
                INTERNODE_PRIVATE_KEY);
        String trustStore = settings.get(INTERNODE_TRUSTSTORE);
        String trusted = settings.get(INTERNODE_TRUSTED_CERTIFICATES);
        if (trustStore.isEmpty() && trusted.isEmpty()) {
            throw new IllegalArgumentException(INTERNODE_ENABLED.key() + "=true needs " + INTERNODE_TRUSTSTORE.key()
                    + " or " + INTERNODE_TRUSTED_CERTIFICATES.key() + " (expected: the certificates of the cluster's"
                    + " nodes, or of their authority)");
        }
        if (!trustStore.isEmpty()) {
            b.trustStore(Path.of(trustStore), password(settings, INTERNODE_TRUSTSTORE_PASSWORD));
        }
        if (!trusted.isEmpty()) {
            b.trustedCertificates(Path.of(trusted));
        }
        return b.build();
    }

    private static void key(Settings settings, TlsConfig.Builder b, Setting<Boolean> enabled, Setting<String> keyStore,
            Setting<String> keyStorePassword, Setting<String> certificate, Setting<String> privateKey) {
        String store = settings.get(keyStore);
        String cert = settings.get(certificate);
        String key = settings.get(privateKey);
        if (store.isEmpty() && cert.isEmpty()) {
            throw new IllegalArgumentException(enabled.key() + "=true needs " + keyStore.key() + ", or "
                    + certificate.key() + " and " + privateKey.key() + " (expected: this node's key and certificate)");
        }
        if (cert.isEmpty() != key.isEmpty()) {
            throw new IllegalArgumentException((cert.isEmpty() ? privateKey : certificate).key() + " is set without "
                    + (cert.isEmpty() ? certificate : privateKey).key() + " (expected: both, or a keystore)");
        }
        if (!store.isEmpty()) {
            b.keyStore(Path.of(store), password(settings, keyStorePassword));
        }
        if (!cert.isEmpty()) {
            b.certificateAndKey(Path.of(cert), Path.of(key));
        }
    }

    private static String password(Settings settings, Setting<String> setting) {
        String password = settings.get(setting);
        return password.isEmpty() ? null : password;
    }

    private static void refuseFilesWhileOff(Settings settings, Setting<Boolean> enabled, List<Setting<String>> files) {
        List<String> set = new ArrayList<>();
        for (Setting<String> file : files) {
            if (!settings.get(file).isEmpty()) {
                set.add(file.key());
            }
        }
        if (!set.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", set) + (set.size() == 1 ? " is" : " are")
                    + " set but " + enabled.key() + " is false (expected: " + enabled.key() + "=true to use TLS, or"
                    + " no TLS files)");
        }
    }
}
