package io.kvorum.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** kvorum-admin's contract at its edges: unreachable nodes, bad arguments, exit codes. */
class AdminCliTest {
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = AdminCli.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

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
}
