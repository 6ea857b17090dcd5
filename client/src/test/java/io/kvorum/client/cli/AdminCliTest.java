package io.kvorum.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.client.FakeCluster;
import io.kvorum.core.ClientRole;
import io.kvorum.transport.ClientUser;
import io.kvorum.transport.StoredCredential;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kvorum-admin's contract at its edges: unreachable nodes, bad arguments, exit codes. */
class AdminCliTest {
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        return run(Map.of(), "", args);
    }

    /** kvorum-admin with this environment and standard input. */
    private static Result run(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = AdminCli.run(args, o, e, env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final String FEW = Integer.toString(StoredCredential.MIN_ITERATIONS);

    /** A port nothing listens on: bound, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void anUnreachableNodeIsOneLineNamingItAndExitOne() throws IOException {
        String host = "127.0.0.1:" + closedPort();
        for (String command : new String[] {"status", "ring", "decommission", "cleanup"}) {
            Result r = run("--host", host, "--connect-timeout", "500ms", command);
            assertThat(r.code()).as(command).isEqualTo(1);
            assertThat(r.err()).as(command).startsWith("error: cannot reach a Kvorum node at " + host)
                    .hasLineCount(1);
        }
    }

    @Test
    void aBadNodeIdIsAUsageError() {
        Result r = run("removenode", "not-a-node");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("'not-a-node' (expected: a node id");
    }

    @Test
    void noCommandOrAnUnknownOneIsAUsageError() {
        assertThat(run().code()).isEqualTo(2);
        Result unknown = run("rebalance");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("rebalance");
        assertThat(run("--host", "nonsense:port", "status").code()).isNotZero();
    }

    // ---- hash-password: a users-file line, no node needed ----

    @Test
    void hashPasswordPrintsALineThatHoldsTheRoleAndAKeyOfThePassword() throws IOException {
        // A closed port as --host: the command must not need a node.
        Result r = run(Map.of("KVORUM_PASSWORD", "correct horse"), "", "--host", "127.0.0.1:" + closedPort(),
                "hash-password", "--user", "ada", "--role", "admin", "--iterations", FEW);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).hasLineCount(1).doesNotContain("correct horse");
        ClientUser user = ClientUser.parse(r.out());
        assertThat(user.name()).isEqualTo("ada");
        assertThat(user.role()).isEqualTo(ClientRole.ADMIN);
        assertThat(user.credential().iterations()).isEqualTo(StoredCredential.MIN_ITERATIONS);
        assertThat(StoredCredential.derive("correct horse", user.credential().salt(), user.credential().iterations()))
                .as("the key of this password").isEqualTo(user.credential());
    }

    @Test
    void hashPasswordReadsStandardInputWithoutTheVariableAndSaltsEachLineAfresh() {
        Result first = run(Map.of(), "from stdin\n", "hash-password", "--user", "app", "--role", "data",
                "--iterations", FEW);
        Result second = run(Map.of(), "from stdin\n", "hash-password", "--user", "app", "--role", "data",
                "--iterations", FEW);

        assertThat(first.code()).as(first.err()).isZero();
        ClientUser a = ClientUser.parse(first.out());
        ClientUser b = ClientUser.parse(second.out());
        assertThat(a.role()).isEqualTo(ClientRole.DATA);
        assertThat(StoredCredential.derive("from stdin", a.credential().salt(), a.credential().iterations()))
                .isEqualTo(a.credential());
        assertThat(a.credential().salt()).isNotEqualTo(b.credential().salt());
        assertThat(a.credential()).isNotEqualTo(b.credential());
    }

    @Test
    void hashPasswordRefusesWhatWouldMakeABadLineAsAUsageError() {
        Map<String, String> env = Map.of("KVORUM_PASSWORD", "pw");
        assertUsageError(run(Map.of(), "", "hash-password", "--user", "ada", "--role", "admin"), "no password");
        assertUsageError(run(env, "", "hash-password", "--role", "admin"), "needs --user");
        assertUsageError(run(env, "", "hash-password", "--user", "ada"), "--role");
        assertUsageError(run(env, "", "hash-password", "--user", "ada", "--role", "root"), "role 'root'");
        assertUsageError(run(env, "", "hash-password", "--user", "a:b", "--role", "data"), "user name: 'a:b'");
        assertUsageError(run(env, "", "hash-password", "--user", "ada", "--role", "data", "--iterations", "10"),
                "--iterations 10 (expected: 4096..10000000)");
    }

    private static void assertUsageError(Result r, String message) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(message);
    }

    // ---- --user against a node that requires it ----

    @Test
    void userAuthenticatesWithThePasswordFromTheEnvironment() {
        try (FakeCluster secured = new FakeCluster(1, Map.of("ada", "analytical engine"))) {
            String host = secured.node(0).address();
            Result ok = run(Map.of("KVORUM_PASSWORD", "analytical engine"), "", "--host", host, "--user", "ada",
                    "ring");
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("tokens of 1 members");

            Result wrong = run(Map.of("KVORUM_PASSWORD", "guess"), "", "--host", host, "--user", "ada", "ring");
            assertThat(wrong.code()).isEqualTo(1);
            assertThat(wrong.err()).isEqualTo("error: authentication failed for user 'ada'" + System.lineSeparator());

            Result anonymous = run("--host", host, "ring");
            assertThat(anonymous.code()).isEqualTo(1);
            assertThat(anonymous.err()).contains("without credentials").hasLineCount(1);

            assertUsageError(run(Map.of(), "", "--host", host, "--user", "ada", "status"),
                    "--user ada needs the password in the environment variable KVORUM_PASSWORD");
        }
    }
}
