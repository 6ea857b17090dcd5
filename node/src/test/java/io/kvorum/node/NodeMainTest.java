package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class NodeMainTest {
    @TempDir
    Path dir;

    @Test
    void aMissingConfigFileIsOneLineNamingIt() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int code;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new NodeMain()).execute("--config", dir.resolve("missing.properties").toString());
        } finally {
            System.setErr(saved);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(2);
        assertThat(text.strip().lines()).hasSize(1);
        assertThat(text).contains("missing.properties").contains("does not exist");
    }

    @Test
    void aFailureIsDescribedWithItsCausesOnOneLine() {
        Exception e = new IllegalStateException("cannot listen on 127.0.0.1:9100",
                new UncheckedIOException(new IOException("bind failed", new BindException("Address already in use"))));
        assertThat(NodeMain.describe(e)).doesNotContain("\n")
                .startsWith("cannot listen on 127.0.0.1:9100").contains("Address already in use");
    }

    @Test
    void secretsAndPasswordsAreHiddenFromTheLoggedConfiguration() {
        var shown = NodeMain.redacted(java.util.Map.of("cluster.secret", "0123456789abcdef",
                "client.tls.keystore_password", "hunter22", "client.tls.keystore", "node.p12"));
        assertThat(shown).containsEntry("cluster.secret", "(hidden)")
                .containsEntry("client.tls.keystore_password", "(hidden)")
                .containsEntry("client.tls.keystore", "node.p12");
    }
}
