package io.kvorum.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed test certificates made with the JDK's {@code keytool}, the same command sequence the
 * README's TLS section gives operators (so the tests also check that recipe): per node an EC P-256
 * key in a PKCS12 keystore with the node's IP address as subject alternative name, its certificate
 * exported as PEM, and one truststore holding every node's certificate. There is no authority: each
 * end trusts the others' certificates themselves. Subjects name the directory ({@code OU}), so the
 * certificates of two sets never look alike.
 *
 * <p>Also, for the PEM form of the key settings, each node's key as an unencrypted PKCS#8 PEM file
 * (keytool cannot write one; operators use openssl, see the README) and a PEM file of every
 * certificate.
 *
 * <p>Each keytool run starts a JVM, about half a second: make one set per test class.
 */
public final class TestCertificates {
    /** The password of every keystore and truststore made here. */
    public static final String PASSWORD = "kvorum-test-pass";
    private static final long KEYTOOL_TIMEOUT_S = 60;

    private final Path dir;
    private final List<String> names;

    private TestCertificates(Path dir, List<String> names) {
        this.dir = dir;
        this.names = names;
    }

    /**
     * Makes a key and certificate per address in {@code dir}, node {@code i} named {@code node-<i+1>}
     * with subject alternative name {@code ip:<ips[i]>}, and the truststore of them all.
     */
    public static TestCertificates make(Path dir, String... ips) {
        List<String> names = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < ips.length; i++) {
                String name = "node-" + (i + 1);
                names.add(name);
                Path store = dir.resolve(name + ".p12");
                keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD,
                        "-dname", "CN=" + name + ",OU=" + dir.getFileName() + ",O=Kvorum test", "-validity", "2", "-ext", "SAN=ip:" + ips[i]);
                keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store.toString(), "-storepass", PASSWORD,
                        "-file", dir.resolve(name + ".crt").toString());
                keytool("-importcert", "-noprompt", "-alias", name, "-file", dir.resolve(name + ".crt").toString(),
                        "-storetype", "PKCS12", "-keystore", dir.resolve("truststore.p12").toString(),
                        "-storepass", PASSWORD);
                writePkcs8(store, name, dir.resolve(name + ".key"));
            }
            StringBuilder all = new StringBuilder();
            for (String name : names) {
                all.append(Files.readString(dir.resolve(name + ".crt")));
            }
            Files.writeString(dir.resolve("trusted.crt"), all);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make test certificates in " + dir, e);
        }
        return new TestCertificates(dir, List.copyOf(names));
    }

    /** The PKCS12 keystore of node {@code i} (from 0), password {@link #PASSWORD}. */
    public Path keyStore(int i) {
        return dir.resolve(names.get(i) + ".p12");
    }

    /** Node {@code i}'s certificate, PEM. */
    public Path certificate(int i) {
        return dir.resolve(names.get(i) + ".crt");
    }

    /** Node {@code i}'s private key, unencrypted PKCS#8 PEM. */
    public Path privateKey(int i) {
        return dir.resolve(names.get(i) + ".key");
    }

    /** The PKCS12 truststore of every node's certificate, password {@link #PASSWORD}. */
    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    /** Every node's certificate in one PEM file. */
    public Path trustedCertificates() {
        return dir.resolve("trusted.crt");
    }

    public Path dir() {
        return dir;
    }

    private static void writePkcs8(Path store, String alias, Path out) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(store.toFile(), PASSWORD.toCharArray());
            Key key = ks.getKey(alias, PASSWORD.toCharArray());
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(out, pem, StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read back the key keytool made in " + store, e);
        }
    }

    /** Runs the JDK's keytool; fails with its output when it fails. */
    public static void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // A short-lived JVM: skip the optimising compiler.
        cmd.add("-J-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(args));
        Path log = null;
        try {
            log = Files.createTempFile("keytool-", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(KEYTOOL_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool did not finish within " + KEYTOOL_TIMEOUT_S + " s: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed (" + p.exitValue() + "): " + cmd + "\n"
                        + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while keytool ran", e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }
}
