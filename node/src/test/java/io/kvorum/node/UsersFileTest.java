package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.ClientRole;
import io.kvorum.core.Settings;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.transport.ClientUser;
import io.kvorum.transport.StoredCredential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** client.users_file: what a node reads from it, and the one line it stops with when it cannot. */
class UsersFileTest {
    private static final StoredCredential KEY = new StoredCredential(new byte[16], StoredCredential.MIN_ITERATIONS,
            new byte[32]);
    private static final String ADA = new ClientUser("ada", ClientRole.ADMIN, KEY).toLine();
    private static final String BOB = new ClientUser("bob", ClientRole.DATA, KEY).toLine();

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        return Files.write(dir.resolve("users"), String.join("\n", lines).getBytes());
    }

    @Test
    void linesCommentsAndBlanksAreRead() throws IOException {
        UsersFile users = UsersFile.load(file("# who may use the client port", "", ADA, "  " + BOB + "  # the app",
                "   "));

        assertThat(users.roles()).isEqualTo(Map.of("ada", ClientRole.ADMIN, "bob", ClientRole.DATA));
        assertThat(users.credentials()).isEqualTo(Map.of("ada", KEY, "bob", KEY));
        assertThat(users.count(ClientRole.ADMIN)).isEqualTo(1);
    }

    @Test
    void aBadLineIsOneLineNamingTheFileAndLineNumber() throws IOException {
        Path f = file("# users", ADA, "carol:root:scram-sha-256:4096:AAAAAAAAAAAAAAAAAAAAAA==:x");

        assertThatThrownBy(() -> UsersFile.load(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client.users_file " + f.toAbsolutePath() + " line 3: role 'root' (expected: data or"
                        + " admin)");
    }

    @Test
    void aSecondLineForOneUserIsRefused() throws IOException {
        Path f = file(ADA, BOB, ADA.replace(":admin:", ":data:"));

        assertThatThrownBy(() -> UsersFile.load(f)).hasMessageContaining("line 3: user 'ada' is already defined on"
                + " line 1");
    }

    @Test
    void aMissingOrEmptyFileIsRefusedNotReadAsOpen() throws IOException {
        assertThatThrownBy(() -> UsersFile.load(dir.resolve("nope"))).hasMessageContaining("client.users_file")
                .hasMessageContaining("nope does not exist");
        Path empty = file("# nobody yet", "");
        assertThatThrownBy(() -> UsersFile.load(empty)).hasMessageContaining("names no users");
    }

    @Test
    void anEmptySettingOpensTheClientPortWithOneWarning() throws IOException {
        try (LogCapture logs = new LogCapture("io.kvorum.node")) {
            ClientAccess open = ClientAccess.fromSettings(Settings.of(Map.of()));
            assertThat(open.credentials()).isEmpty();
            assertThat(logs.warnings()).hasSize(1);
            assertThat(logs.warnings().get(0)).contains("client.users_file is empty")
                    .contains("accepts every client");
        }
        ClientAccess closed = ClientAccess.fromSettings(Settings.of(Map.of("client.users_file", file(ADA).toString())));
        assertThat(closed.credentials()).containsOnlyKeys("ada");
    }

    @Test
    void aNodeWithABadFileDoesNotStart() throws IOException {
        Path f = file(ADA, "bob:data");
        Settings settings = Settings.of(Map.of("cluster.insecure", "true", "client.users_file", f.toString(),
                "node.data_dir", dir.resolve("data").toString()));

        assertThatThrownBy(() -> Node.start(settings)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2: 2 fields (expected: 6");
        assertThat(dir.resolve("data")).as("refused before anything was opened").doesNotExist();
    }
}
