package io.kvorum.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.client.Context;
import io.kvorum.client.FakeCluster;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The kvorum command line against a fake cluster: its output, its errors and its exit codes. */
class KvorumCliTest {
    private final FakeCluster cluster = new FakeCluster(3);
    private final List<KvorumClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        clients.forEach(KvorumClient::close);
        cluster.close();
    }

    /** One run's exit code and output. */
    private record Run(int code, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }

        String context() {
            List<String> lines = lines();
            String last = lines.get(lines.size() - 1);
            assertThat(last).startsWith("context: ");
            return last.substring("context: ".length());
        }
    }

    private Run kvorum(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = KvorumCli.run(args, o, e, env);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs against the fake cluster through its first node. */
    private Run kvorum(String... args) {
        List<String> all = new ArrayList<>(List.of("--host", cluster.node(0).address()));
        all.addAll(List.of(args));
        return kvorum(Map.of(), all.toArray(String[]::new));
    }

    private static String deadAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void putThenGetPrintsTheValueWithDotTimeAndContext() {
        Run put = kvorum("put", "greeting", "hello world", "--w", "all", "--durable", "--timeout", "500ms");
        Run get = kvorum("get", "greeting", "--r", "one", "--n", "2");

        assertThat(put.code()).isZero();
        assertThat(put.lines()).hasSize(1);
        assertThat(get.code()).isZero();
        assertThat(get.err()).isEmpty();
        assertThat(get.lines()).hasSize(2);
        assertThat(get.lines().get(0)).matches("hello world\tdot=[0-9a-f]{16}\\.0:1\ttime=\\d{4}-.*Z");
        assertThat(get.context()).isEqualTo(put.context());
    }

    @Test
    void siblingsCanBeResolvedFromTheShellWithTheContextAGetPrinted() {
        kvorum("put", "cart", "apples");
        kvorum("put", "cart", "pears");

        Run both = kvorum("get", "cart");
        assertThat(both.lines()).hasSize(3);
        assertThat(both.lines().subList(0, 2)).anyMatch(l -> l.startsWith("apples\t"))
                .anyMatch(l -> l.startsWith("pears\t"));

        Run resolve = kvorum("put", "cart", "apples,pears", "--context", both.context());
        Run one = kvorum("get", "cart");

        assertThat(resolve.code()).isZero();
        assertThat(one.lines()).hasSize(2);
        assertThat(one.lines().get(0)).startsWith("apples,pears\t");
        assertThat(one.context()).isEqualTo(resolve.context());
    }

    @Test
    void deleteWithoutAContextDeletesWhatItReads() {
        kvorum("put", "k", "v");

        Run delete = kvorum("delete", "k");
        Run get = kvorum("get", "k");

        assertThat(delete.code()).isZero();
        assertThat(get.code()).isZero();
        assertThat(get.lines()).hasSize(2);
        assertThat(get.lines().get(0)).isEqualTo("not found");
        assertThat(get.context()).isEqualTo(delete.context());
        assertThat(Context.fromBase64(get.context())).isNotEqualTo(Context.empty());
    }

    @Test
    void deleteWithAContextAndOfAMissingKey() {
        String ctx = kvorum("put", "k", "v").context();

        assertThat(kvorum("delete", "k", "--context", ctx, "--w", "one").code()).isZero();
        assertThat(kvorum("get", "k").lines().get(0)).isEqualTo("not found");
        assertThat(kvorum("delete", "never-written").lines()).containsExactly("not found",
                "context: " + Context.empty().toBase64());
    }

    @Test
    void valuesThatAreNotPrintableTextPrintAsHex() {
        KvorumClient kv = KvorumClient.connect(cluster.seeds());
        clients.add(kv);
        kv.put("bin", new byte[] {0, 1, (byte) 0xfe}, Context.empty(), WriteOptions.quorum());
        kv.put("tabbed", "a\tb".getBytes(StandardCharsets.UTF_8), Context.empty(), WriteOptions.quorum());
        kv.put("hexlike", "0x12".getBytes(StandardCharsets.UTF_8), Context.empty(), WriteOptions.quorum());

        assertThat(kvorum("get", "bin").lines().get(0)).startsWith("0x0001fe\t");
        assertThat(kvorum("get", "tabbed").lines().get(0)).startsWith("0x610962\t");
        assertThat(kvorum("get", "hexlike").lines().get(0)).startsWith("0x30783132\t");
    }

    @Test
    void ringShowsMembersTokensOwnershipAndStatus() {
        cluster.node(2).reportUp(false);

        Run ring = kvorum("ring");

        assertThat(ring.code()).isZero();
        assertThat(ring.lines()).hasSize(5);
        assertThat(ring.lines().get(0)).isEqualTo("replication factor: 3, 3 members, 2 up");
        assertThat(ring.lines().get(1)).matches("NODE +ADDRESS +RACK +STATUS +TOKENS +OWNS");
        assertThat(ring.lines().get(2)).matches("0000000000000001  " + cluster.node(0).address() + " +- +up +8  33\\.3%");
        assertThat(ring.lines().get(4)).matches("0000000000000003  " + cluster.node(2).address() + " +- +down +8  33\\.3%");
    }

    @Test
    void hostsComeFromTheEnvironmentWhenNotGiven() {
        Run put = kvorum(Map.of("KVORUM_HOSTS", "  ," + cluster.node(1).address() + "," + cluster.node(2).address()),
                "put", "k", "v");

        assertThat(put.code()).isZero();
        assertThat(cluster.node(1).ringRequests()).isEqualTo(1);
    }

    @Test
    void usageErrorsExitWithTwoAndPicocliMessage() {
        Run unknown = kvorum("get", "k", "--bogus");
        Run badR = kvorum("get", "k", "--r", "most");
        Run badContext = kvorum("put", "k", "v", "--context", "garbage!");
        Run badTimeout = kvorum("get", "k", "--timeout", "soon");
        Run nothing = kvorum();

        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option: '--bogus'");
        assertThat(badR.code()).isEqualTo(2);
        assertThat(badR.err()).contains("'most' (expected: one, quorum, all or a number >= 1)");
        assertThat(badContext.code()).isEqualTo(2);
        assertThat(badContext.err()).contains("context: 'garbage!' is not base64");
        assertThat(badTimeout.code()).isEqualTo(2);
        assertThat(nothing.code()).isEqualTo(2);
        assertThat(nothing.err()).contains("Usage: kvorum");
        assertThat(cluster.dataRequests()).isZero();
    }

    @Test
    void anUnreachableHostIsOneLineOnStderrAndExitOne() throws IOException {
        String dead = deadAddress();

        Run run = kvorum(Map.of(), "--host", dead, "get", "k");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines().toList()).singleElement().asString()
                .startsWith("error: cannot reach any Kvorum node").contains(dead);
    }

    @Test
    void theClustersErrorIsOneLineAndVerboseAddsTheStackTrace() {
        cluster.nodes().forEach(n -> n.answerWith(
                request -> CompletableFuture.failedFuture(UnavailableException.of("read at R=ALL (n=3)", 3, 2))));

        Run quiet = kvorum("get", "k", "--r", "all");
        Run verbose = kvorum("get", "k", "--r", "all", "--verbose");

        assertThat(quiet.code()).isEqualTo(1);
        assertThat(quiet.err()).isEqualTo("error: read at R=ALL (n=3) needs 3 replicas up but only 2 are;"
                + " nothing was sent" + System.lineSeparator());
        assertThat(verbose.code()).isEqualTo(1);
        assertThat(verbose.err()).contains("UnavailableException").contains("\tat ");
    }

    @Test
    void anImpossibleRequestFailsBeforeSending() {
        Run run = kvorum("put", "k", "v", "--w", "3", "--n", "2");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: write w: 3 needs 3 replicas (expected: <= n = 2)");
        assertThat(cluster.dataRequests()).isZero();
    }

    @Test
    void aTruststoreThatCannotBeReadIsAUsageErrorNamingTheFile() throws IOException {
        java.nio.file.Path missing = java.nio.file.Path.of("no-such-dir", "truststore.p12").toAbsolutePath();
        Run run = kvorum("--truststore", missing.toString(), "get", "k");

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("--truststore " + missing + ": tls.truststore: " + missing + " does not exist");
        assertThat(cluster.dataRequests()).isZero();
    }

    @Test
    void tlsAgainstAPlaintextNodeFailsSayingTheNodeDoesNotSpeakTls() {
        Run run = kvorum("--tls", "get", "k");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: cannot reach any Kvorum node").contains("does not speak TLS");
    }
}
