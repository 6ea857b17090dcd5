package io.kvorum.client.cli;

import io.kvorum.transport.TlsConfig;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The TLS flags both command lines share: {@code --tls}, {@code --truststore FILE} (which implies
 * it) and {@code --no-verify-hostname}. The truststore's password, if it has one, comes from the
 * environment, never from the command line, where other users' {@code ps} would show it.
 */
final class TlsFlags {
    static final String TRUSTSTORE_PASSWORD_ENV = "KVORUM_TRUSTSTORE_PASSWORD";

    @Option(names = "--tls", scope = ScopeType.INHERIT,
            description = "Connect over TLS, to nodes with client.tls.enabled. Trusts --truststore, or else the"
                    + " JDK's certificate authorities.")
    boolean tls;

    @Option(names = "--truststore", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Certificates to trust: a PKCS12 or JKS truststore (its password, if any, from "
                    + TRUSTSTORE_PASSWORD_ENV + ") or a PEM file. Implies --tls.")
    Path truststore;

    @Option(names = "--no-verify-hostname", scope = ScopeType.INHERIT,
            description = "With TLS, accept a node certificate that does not name the address dialled (test"
                    + " certificates only).")
    boolean noVerifyHostname;

    /** The TLS configuration these flags ask for, or null for plaintext; a bad file is a usage error. */
    TlsConfig config(CommandLine commandLine, Map<String, String> env) {
        if (!tls && truststore == null) {
            return null;
        }
        TlsConfig.Builder b = TlsConfig.builder("tls").verifyHostname(!noVerifyHostname);
        try {
            if (truststore != null) {
                String password = env.get(TRUSTSTORE_PASSWORD_ENV);
                b.trust(truststore, password == null || password.isEmpty() ? null : password);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            boolean password = e.getMessage().contains("password");
            throw new CommandLine.ParameterException(commandLine, "--truststore " + truststore + ": " + e.getMessage()
                    + (password ? " (the password comes from " + TRUSTSTORE_PASSWORD_ENV + ")" : ""), e);
        }
    }
}
