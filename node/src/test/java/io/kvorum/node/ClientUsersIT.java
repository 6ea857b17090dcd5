package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.client.AdminClient;
import io.kvorum.client.KvorumClient;
import io.kvorum.client.cli.AdminCli;
import io.kvorum.core.Settings;
import io.kvorum.core.UnauthorizedException;
import io.kvorum.core.testing.Await;
import io.kvorum.transport.StoredCredential;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real node, in this JVM, with a users file made by {@code kvorum-admin hash-password}: a data
 * user reads and writes but its admin requests are refused, typed and in one CLI line; an admin's
 * are served; wrong or missing credentials get nothing. Listens on 127.0.0.51, an address no other
 * integration test uses.
 */
class ClientUsersIT {
    private static final String HOST = "127.0.0.51";
    private static final int CLIENT_PORT = 19100;
    private static final String ADDRESS = HOST + ":" + CLIENT_PORT;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static Path dir;
    private static Node node;

    private record Run(int code, String out, String err) {
    }

    /** kvorum-admin with {@code password} in KVORUM_PASSWORD (none when null) and nothing on stdin. */
    private static Run admin(String password, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = AdminCli.run(args, o, e, password == null ? Map.of() : Map.of("KVORUM_PASSWORD", password),
                    new ByteArrayInputStream(new byte[0]));
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String hashed(String user, String role, String password) {
        Run r = admin(password, "hash-password", "--user", user, "--role", role,
                "--iterations", Integer.toString(StoredCredential.MIN_ITERATIONS));
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().strip();
    }

    @BeforeAll
    static void startNode() throws Exception {
        dir = Files.createTempDirectory("kvorum-users-it-");
        Path users = Files.write(dir.resolve("users"), List.of("# made by kvorum-admin hash-password",
                hashed("ada", "admin", "analytical engine"), hashed("app", "data", "s3cret app")));
        node = Node.start(Settings.of(Map.ofEntries(
                Map.entry("cluster.secret", "client-users-it-secret"),
                Map.entry("cluster.seeds", HOST + ":17100"),
                Map.entry("node.listen_address", HOST),
                Map.entry("node.internode_port", "17100"),
                Map.entry("node.client_port", Integer.toString(CLIENT_PORT)),
                Map.entry("node.data_dir", dir.resolve("data").toString()),
                Map.entry("ring.replication_factor", "1"),
                Map.entry("storage.memtable_max_bytes", "8MiB"),
                Map.entry("storage.block_cache_bytes", "16MiB"),
                Map.entry("node.storage_threads", "2"),
                Map.entry("client.users_file", users.toString()))));
        Await.until("the node serves its ring", Duration.ofSeconds(60), () -> !node.membership().ring().isEmpty());
    }

    @AfterAll
    static void stopNode() throws IOException {
        if (node != null) {
            node.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static KvorumClient client(String user, String password) {
        return KvorumClient.builder().seeds(ADDRESS).credentials(user, password).requestTimeout(TIMEOUT).build();
    }

    @Test
    void aDataUserReadsAndWrites() {
        try (KvorumClient app = client("app", "s3cret app")) {
            app.put("greeting", "hello");
            assertThat(app.get("greeting").valueAsString()).isEqualTo("hello");
            app.delete("greeting", app.get("greeting").context());
            assertThat(app.get("greeting").found()).isFalse();
        }
    }

    @Test
    void aDataUsersAdminRequestIsRefusedAndAnAdminsIsServed() {
        try (AdminClient app = AdminClient.connect(ADDRESS, TIMEOUT, "app", "s3cret app")) {
            assertThat(app.ring(TIMEOUT).members()).as("the ring is open to data users").hasSize(1);
            assertThatThrownBy(() -> app.cleanup(TIMEOUT)).isInstanceOf(UnauthorizedException.class)
                    .hasMessage("user 'app' (role data) may not run CleanupRequest; it needs role admin");
            assertThatThrownBy(() -> app.status(TIMEOUT)).isInstanceOf(UnauthorizedException.class)
                    .hasMessage("user 'app' (role data) may not run StatusRequest; it needs role admin");
        }
        try (AdminClient ada = AdminClient.connect(ADDRESS, TIMEOUT, "ada", "analytical engine")) {
            assertThat(ada.status(TIMEOUT).members()).hasSize(1);
            assertThat(ada.cleanup(TIMEOUT)).startsWith("cleaned up");
        }
    }

    @Test
    void wrongOrMissingCredentialsGetNothing() {
        assertThatThrownBy(() -> client("app", "guess")).isInstanceOf(UnauthorizedException.class)
                .hasMessage("authentication failed for user 'app'");
        assertThatThrownBy(() -> client("nobody", "s3cret app")).isInstanceOf(UnauthorizedException.class)
                .hasMessage("authentication failed for user 'nobody'");
        assertThatThrownBy(() -> KvorumClient.builder().seeds(ADDRESS).build())
                .isInstanceOf(UnauthorizedException.class).hasMessageContaining("without credentials");
    }

    @Test
    void theAdminCommandLineTakesAUserAndPrintsARefusalOnOneLine() {
        Run refused = admin("s3cret app", "--host", ADDRESS, "--user", "app", "cleanup");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("error: user 'app' (role data) may not run CleanupRequest; it needs role"
                + " admin" + System.lineSeparator());

        Run served = admin("analytical engine", "--host", ADDRESS, "--user", "ada", "status");
        assertThat(served.code()).as(served.err()).isZero();
        assertThat(served.out()).contains("NORMAL");

        Run ring = admin("s3cret app", "--host", ADDRESS, "--user", "app", "ring");
        assertThat(ring.code()).as(ring.err()).isZero();

        Run wrong = admin("guess", "--host", ADDRESS, "--user", "ada", "status");
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).isEqualTo("error: authentication failed for user 'ada'" + System.lineSeparator());

        Run anonymous = admin(null, "--host", ADDRESS, "status");
        assertThat(anonymous.code()).isEqualTo(1);
        assertThat(anonymous.err()).contains("without credentials").hasLineCount(1);
    }
}
