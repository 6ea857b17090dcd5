package io.kvorum.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the files TLS needs, keys and trusted certificates, from a PKCS12 or JKS keystore or from
 * PEM files, into {@link KeyStore}s; every problem is one {@link IllegalArgumentException} that
 * names the setting and the file and says what was expected.
 *
 * <p>Why not Netty's own PEM reading: its errors say "File does not contain valid private key"
 * whatever the reason, and an operator needs to know whether the key is in the wrong format
 * (PKCS#1 or SEC1 rather than PKCS#8), encrypted, or simply not the key of the certificate. Only
 * unencrypted PKCS#8 keys are read: a password for the key would have to sit in the same
 * configuration file as the key's path, which protects nothing that file permissions do not.
 */
final class TlsFiles {
    /** An in-memory keystore's password: it never leaves this process. */
    static final char[] MEMORY_PASSWORD = "kvorum".toCharArray();
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private TlsFiles() {
    }

    /**
     * A keystore file, its type (PKCS12 or JKS) read from its contents.
     *
     * @param setting the setting that named the file, e.g. {@code client.tls.keystore}
     * @param passwordSetting the setting of its password, named when the password is wrong
     */
    static KeyStore loadKeyStore(String setting, Path file, String passwordSetting, String password) {
        requireReadable(setting, file);
        char[] pw = password == null ? null : password.toCharArray();
        try {
            return KeyStore.getInstance(file.toFile(), pw);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException(passwordSetting + ": wrong password for keystore " + file
                        + (password == null || password.isEmpty() ? " (none was given)" : ""), e);
            }
            throw new IllegalArgumentException(setting + ": cannot read keystore " + file + ": " + firstLine(e)
                    + " (expected: a PKCS12 or JKS keystore)", e);
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException(setting + ": " + file + " is not a keystore (expected: PKCS12 or JKS;"
                    + " for PEM files use the certificate and private key settings)", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(setting + ": cannot read keystore " + file + ": " + firstLine(e), e);
        }
    }

    /** Checks that {@code store} holds a private key with its certificate chain, and returns the first key's alias. */
    static String requireKeyEntry(String setting, Path file, KeyStore store) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getCertificateChain(alias) != null) {
                    return alias;
                }
            }
        } catch (KeyStoreException e) {
            throw new IllegalStateException("keystore of " + file + " not loaded", e);
        }
        throw new IllegalArgumentException(setting + ": keystore " + file + " holds no private key with a certificate"
                + " (expected: a key entry, as keytool -genkeypair makes)");
    }

    /** Trusted certificates from a keystore file: its certificate entries (key entries are the holder's own). */
    static KeyStore loadTrustStore(String setting, Path file, String passwordSetting, String password) {
        KeyStore store = loadKeyStore(setting, file, passwordSetting, password);
        int trusted = 0;
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias)) {
                    trusted++;
                }
            }
        } catch (KeyStoreException e) {
            throw new IllegalStateException("keystore of " + file + " not loaded", e);
        }
        if (trusted == 0) {
            throw new IllegalArgumentException(setting + ": truststore " + file + " holds no trusted certificates"
                    + " (expected: certificates added with keytool -importcert"
                    + (password == null ? "; a password-protected truststore also needs " + passwordSetting : "")
                    + ")");
        }
        return store;
    }

    /** Trusted certificates from a PEM file of one or more {@code CERTIFICATE} blocks. */
    static KeyStore loadTrustedCertificates(String setting, Path file) {
        List<X509Certificate> certs = readCertificates(setting, file);
        KeyStore store = emptyStore();
        try {
            for (int i = 0; i < certs.size(); i++) {
                store.setCertificateEntry("trusted-" + i, certs.get(i));
            }
        } catch (KeyStoreException e) {
            throw new IllegalStateException("in-memory keystore refused a certificate", e);
        }
        return store;
    }

    /**
     * A key store in memory, password {@link #MEMORY_PASSWORD}, holding the PKCS#8 private key in
     * {@code keyFile} with the certificate chain in {@code certFile}, after checking that they belong
     * together.
     */
    static KeyStore loadPemKey(String certSetting, Path certFile, String keySetting, Path keyFile) {
        List<X509Certificate> chain = readCertificates(certSetting, certFile);
        PrivateKey key = readPrivateKey(keySetting, keyFile);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException(keySetting + ": the key in " + keyFile + " is not the key of the"
                    + " certificate in " + certFile + " (expected: the private key the first certificate was issued"
                    + " for)");
        }
        KeyStore store = emptyStore();
        try {
            store.setKeyEntry("key", key, MEMORY_PASSWORD, chain.toArray(new Certificate[0]));
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException(keySetting + ": the key in " + keyFile + " cannot be used with the"
                    + " certificates in " + certFile + ": " + firstLine(e), e);
        }
        return store;
    }

    /** True when {@code file} is text with PEM blocks rather than a binary keystore. */
    static boolean isPem(Path file) {
        try {
            byte[] head = new byte[64];
            int n;
            try (var in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, head.length);
            }
            return new String(head, 0, n, StandardCharsets.US_ASCII).contains("-----BEGIN ");
        } catch (IOException e) {
            return false; // the loader that follows names the problem
        }
    }

    private static List<X509Certificate> readCertificates(String setting, Path file) {
        String text = readText(setting, file);
        List<X509Certificate> certs = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + file + " holds a damaged certificate: " + firstLine(e),
                    e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(setting + ": " + file + " holds no certificate (expected: PEM blocks"
                    + " '-----BEGIN CERTIFICATE-----')");
        }
        return certs;
    }

    private static PrivateKey readPrivateKey(String setting, Path file) {
        String text = readText(setting, file);
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            switch (type) {
                case "PRIVATE KEY" -> {
                    return decodePkcs8(setting, file, Base64.getMimeDecoder().decode(m.group(2)));
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(setting + ": the key in " + file
                        + " is encrypted (expected: an unencrypted PKCS#8 key, readable by the node's user only;"
                        + " decrypt it with: openssl pkcs8 -in " + file + " -out key.pem)");
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IllegalArgumentException(setting + ": the key in "
                        + file + " is a '" + type + "' (expected: PKCS#8, '-----BEGIN PRIVATE KEY-----'; convert it"
                        + " with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem)");
                default -> {
                    // a certificate or parameters next to the key: look further
                }
            }
        }
        throw new IllegalArgumentException(setting + ": " + file + " holds no private key (expected: a PKCS#8 PEM"
                + " block '-----BEGIN PRIVATE KEY-----')");
    }

    private static PrivateKey decodePkcs8(String setting, Path file, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("EC", "RSA", "EdDSA", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException wrongAlgorithm) {
                // try the next
            }
        }
        throw new IllegalArgumentException(setting + ": the key in " + file + " is damaged or of an unsupported"
                + " algorithm (expected: an EC, RSA or EdDSA key in PKCS#8)");
    }

    /** Whether {@code key} signs what {@code publicKey} verifies: the only check that works for every algorithm. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // RSASSA-PSS needs parameters; let the TLS handshake be the judge
        }
        try {
            byte[] probe = "kvorum key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a certificate of another algorithm than the key
        }
    }

    private static String readText(String setting, Path file) {
        requireReadable(setting, file);
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": cannot read " + file + ": " + firstLine(e)
                    + " (expected: a PEM text file)", e);
        }
    }

    private static void requireReadable(String setting, Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(setting + ": " + file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(setting + ": " + file + " is not a readable file");
        }
    }

    private static KeyStore emptyStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the JDK has no PKCS12 keystore", e);
        }
    }

    private static String firstLine(Throwable e) {
        return WireCodec.firstLine(e);
    }
}
