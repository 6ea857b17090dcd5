package io.kvorum.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for one port, both of its ends: the node's key and certificate, which certificates it
 * trusts, whether it demands the peer's certificate, and whether a client checks that the
 * server's certificate names the address it dialled. Built once, at start, from a PKCS12 or JKS
 * keystore or from PEM files; a missing or unreadable file, a wrong password, a key that is not
 * the certificate's, or a certificate that has expired is one {@link IllegalArgumentException}
 * naming the setting and the file, so that a node with broken TLS never starts.
 *
 * <p>Only TLS 1.3 and 1.2, through the JDK's own provider (no native library to ship). Each
 * connection gets an {@link SslHandler} that goes first in its pipeline; the Kvorum handshake
 * (cluster name, shared secret, client credentials) then runs inside TLS as before, so TLS adds
 * confidentiality and a second, independent proof of identity, and takes nothing away.
 *
 * <p>The TLS handshake counts against the connection's handshake timeout: a peer that never
 * completes it (one that speaks no TLS and waits for the server to talk first, say) is closed
 * when that timeout ends, as a silent plaintext one is.
 *
 * <p>Names: every setting is named {@code <name>.<what>} in errors, where {@code name} is the
 * prefix of the port's settings ({@code client.tls}, {@code internode.tls}), so that the message
 * points at the line of the configuration to fix. Immutable and thread-safe.
 */
public final class TlsConfig {
    /** The protocols offered and accepted: older ones have known attacks. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final String name;
    private final SslContext serverContext;
    private final SslContext clientContext;
    private final boolean requireClientAuth;
    private final boolean verifyHostname;
    private final String description;

    private TlsConfig(Builder b, SslContext serverContext, SslContext clientContext, String description) {
        this.name = b.name;
        this.serverContext = serverContext;
        this.clientContext = clientContext;
        this.requireClientAuth = b.requireClientAuth;
        this.verifyHostname = b.verifyHostname;
        this.description = description;
    }

    /**
     * @param name the prefix of the settings this configuration comes from, e.g. {@code client.tls},
     *     used to name them in errors
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The prefix of this configuration's settings. */
    public String name() {
        return name;
    }

    /** True when this configuration has a key and certificate, as the accepting end of a connection needs. */
    public boolean canServe() {
        return serverContext != null;
    }

    public boolean requiresClientAuth() {
        return requireClientAuth;
    }

    public boolean verifiesHostname() {
        return verifyHostname;
    }

    /** One line for the start log: protocols, certificate, trust, client authentication. */
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return "TlsConfig{" + name + ": " + description + "}";
    }

    /**
     * The handler that makes an accepted connection a TLS server end. It has no timer of its own:
     * the connection's handshake timeout bounds the TLS handshake and the Kvorum one together.
     */
    SslHandler newServerHandler(ByteBufAllocator alloc) {
        if (serverContext == null) {
            throw new IllegalStateException(name + " has no key and certificate to serve with");
        }
        SslHandler handler = serverContext.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(0);
        return handler;
    }

    /** The handler that makes an outgoing connection to {@code peer} a TLS client end; no timer, as above. */
    SslHandler newClientHandler(ByteBufAllocator alloc, InetSocketAddress peer) {
        SslHandler handler = clientContext.newHandler(alloc, peer.getHostString(), peer.getPort());
        handler.setHandshakeTimeoutMillis(0);
        return handler;
    }

    /** True while {@code channel} has TLS and its TLS handshake has not finished: for timeout messages. */
    static boolean handshakePending(Channel channel) {
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        return handler != null && !handler.handshakeFuture().isDone();
    }

    /**
     * Why a TLS connection failed, in an operator's words, or null when {@code cause} is not a TLS
     * failure. The JDK's messages are precise but long; this keeps their point and says which side
     * to look at.
     */
    static String describeFailure(Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof NotSslRecordException) {
            return "the peer does not speak TLS (expected: TLS on both ends; is TLS off at the other end?)";
        }
        if (!(t instanceof SSLException)) {
            return null;
        }
        String message = rootMessage(t);
        if (message.startsWith("Received fatal alert: ")) {
            // The other end refused; it knows why and logs it.
            return "the peer refused the TLS handshake (" + message.substring("Received fatal alert: ".length())
                    + "; its log says why)";
        }
        if (message.equals("Empty client certificate chain")) {
            // A TLS client offers only certificates issued by an authority the server names as
            // trusted, so an untrusted one ends up here too, as no certificate at all.
            return "TLS handshake failed: the peer presented no certificate that this end trusts (expected: one"
                    + " from, or signed by one from, this end's truststore: it requires client certificates)";
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof CertificateException || c instanceof CertPathBuilderException
                    || c instanceof CertPathValidatorException) {
                return "TLS handshake failed: the peer's certificate is not trusted here: " + rootMessage(c)
                        + " (expected: a certificate in, or signed by one in, this end's truststore"
                        + " and naming the address dialled when hostnames are verified)";
            }
        }
        return "TLS failed: " + message;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() != null ? root.getMessage() : t.getMessage();
        if (m == null) {
            return root.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    /**
     * What a TLS configuration is made of. Key material is a keystore or a PEM certificate chain
     * with its key (one of the two, or neither for a client that presents no certificate); trust is
     * a truststore or a PEM file of certificates (or neither: the JDK's default certificate
     * authorities, for a client only).
     */
    public static final class Builder {
        private final String name;
        private Path keyStore;
        private String keyStorePassword;
        private Path certificate;
        private Path privateKey;
        private Path trustStore;
        private String trustStorePassword;
        private Path trustedCertificates;
        private boolean requireClientAuth;
        private boolean verifyHostname;

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("TLS settings name: " + name + " (expected: a prefix such as"
                        + " client.tls)");
            }
            this.name = name;
        }

        /** A PKCS12 or JKS keystore holding this end's key and certificate chain; the key's password is the store's. */
        public Builder keyStore(Path file, String password) {
            this.keyStore = Objects.requireNonNull(file, "keystore file");
            this.keyStorePassword = password;
            return this;
        }

        /** A PEM certificate chain (this end's certificate first) and its unencrypted PKCS#8 private key. */
        public Builder certificateAndKey(Path certificateChain, Path privateKey) {
            this.certificate = Objects.requireNonNull(certificateChain, "certificate file");
            this.privateKey = Objects.requireNonNull(privateKey, "private key file");
            return this;
        }

        /** A PKCS12 or JKS keystore of trusted certificates (peers' own, or the authorities that signed them). */
        public Builder trustStore(Path file, String password) {
            this.trustStore = Objects.requireNonNull(file, "truststore file");
            this.trustStorePassword = password;
            return this;
        }

        /** A PEM file of trusted certificates, as an alternative to a truststore. */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = Objects.requireNonNull(pemFile, "trusted certificates file");
            return this;
        }

        /**
         * A truststore or a PEM file, whichever {@code file} holds: for tools that take one
         * {@code --truststore} flag.
         */
        public Builder trust(Path file, String password) {
            return TlsFiles.isPem(file) ? trustedCertificates(file) : trustStore(file, password);
        }

        /** The accepting end demands a certificate from the connecting end, checked against the trust (mutual TLS). */
        public Builder requireClientAuth(boolean require) {
            this.requireClientAuth = require;
            return this;
        }

        /** The connecting end checks that the server's certificate names the host or IP address it dialled. */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /**
         * Reads the files and builds the contexts.
         *
         * @throws IllegalArgumentException naming the setting and the file, for any file that cannot be
         *     used, and for settings that contradict each other
         */
        public TlsConfig build() {
            if (keyStore != null && certificate != null) {
                throw new IllegalArgumentException(name + ".keystore and " + name + ".certificate are both set"
                        + " (expected: the key in a keystore, or in PEM files, not both)");
            }
            if (trustStore != null && trustedCertificates != null) {
                throw new IllegalArgumentException(name + ".truststore and " + name + ".trusted_certificates are both"
                        + " set (expected: one of them)");
            }
            KeyManagerFactory keys = null;
            X509Certificate own = null;
            String keySource = null;
            if (keyStore != null) {
                KeyStore store = TlsFiles.loadKeyStore(name + ".keystore", keyStore, name + ".keystore_password",
                        keyStorePassword);
                String alias = TlsFiles.requireKeyEntry(name + ".keystore", keyStore, store);
                own = certificate(store, alias);
                keys = keyManagers(name + ".keystore_password", keyStore, store,
                        keyStorePassword == null ? new char[0] : keyStorePassword.toCharArray());
                keySource = "keystore " + keyStore;
                checkValidity(name + ".keystore", keyStore, own);
            } else if (certificate != null) {
                KeyStore store = TlsFiles.loadPemKey(name + ".certificate", certificate, name + ".private_key",
                        privateKey);
                own = certificate(store, "key");
                keys = keyManagers(name + ".private_key", privateKey, store, TlsFiles.MEMORY_PASSWORD);
                keySource = certificate + " and " + privateKey;
                checkValidity(name + ".certificate", certificate, own);
            }
            TrustManagerFactory trust = null;
            // Without a truststore only connections this end makes check certificates: say so.
            String trustSource = "the JDK's default certificate authorities"
                    + (keys != null ? " for connections it makes" : "");
            if (trustStore != null) {
                trust = trustManagers(TlsFiles.loadTrustStore(name + ".truststore", trustStore,
                        name + ".truststore_password", trustStorePassword));
                trustSource = "truststore " + trustStore;
            } else if (trustedCertificates != null) {
                trust = trustManagers(TlsFiles.loadTrustedCertificates(name + ".trusted_certificates",
                        trustedCertificates));
                trustSource = "certificates in " + trustedCertificates;
            }
            if (requireClientAuth && trust == null) {
                throw new IllegalArgumentException(name + ".require_client_auth is on without " + name + ".truststore"
                        + " or " + name + ".trusted_certificates (expected: the certificates peers must present;"
                        + " the JDK's public authorities would let anyone with a web certificate in)");
            }
            SslContext server = null;
            if (keys != null) {
                server = build(SslContextBuilder.forServer(keys)
                        .clientAuth(requireClientAuth ? ClientAuth.REQUIRE : ClientAuth.NONE)
                        .trustManager(trust), keySource);
            }
            SslContext client = build(SslContextBuilder.forClient()
                    .keyManager(keys)
                    .trustManager(trust)
                    .endpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null), keySource);
            String description = String.join("/", PROTOCOLS)
                    + (own == null ? ", no certificate of its own"
                            : ", certificate '" + own.getSubjectX500Principal().getName() + "' valid until "
                                    + own.getNotAfter().toInstant() + " from " + keySource)
                    + ", trusting " + trustSource
                    + (requireClientAuth ? ", peer certificates required" : "")
                    + (verifyHostname ? ", server hostnames verified" : "");
            return new TlsConfig(this, server, client, description);
        }

        private SslContext build(SslContextBuilder builder, String keySource) {
            try {
                return builder.sslProvider(SslProvider.JDK).protocols(PROTOCOLS).build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": cannot set up TLS" + (keySource == null ? ""
                        : " with the key from " + keySource) + ": " + WireCodec.firstLine(e), e);
            }
        }

        private static X509Certificate certificate(KeyStore store, String alias) {
            try {
                return (X509Certificate) store.getCertificateChain(alias)[0];
            } catch (KeyStoreException | ClassCastException e) {
                throw new IllegalStateException("key entry " + alias + " without an X.509 certificate", e);
            }
        }

        /** An own certificate that has expired would be refused by every peer: better to say so at start. */
        private static void checkValidity(String setting, Path file, X509Certificate own) {
            try {
                own.checkValidity();
            } catch (CertificateException e) {
                throw new IllegalArgumentException(setting + ": the certificate in " + file + " ('"
                        + own.getSubjectX500Principal().getName() + "') is valid only from " + own.getNotBefore()
                        .toInstant() + " to " + own.getNotAfter().toInstant() + " (expected: a certificate valid now)",
                        e);
            }
        }

        private static KeyManagerFactory keyManagers(String passwordSetting, Path file, KeyStore store,
                char[] password) {
            try {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, password);
                return kmf;
            } catch (java.security.UnrecoverableKeyException e) {
                throw new IllegalArgumentException(passwordSetting + ": the key in " + file + " does not open with"
                        + " the keystore's password (expected: one password for the keystore and its key)", e);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(passwordSetting + ": cannot use the key in " + file + ": "
                        + WireCodec.firstLine(e), e);
            }
        }

        private static TrustManagerFactory trustManagers(KeyStore store) {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                return tmf;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK cannot make trust managers of a loaded truststore", e);
            }
        }
    }
}
