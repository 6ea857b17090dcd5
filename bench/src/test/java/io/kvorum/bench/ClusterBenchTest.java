package io.kvorum.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.UnavailableException;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class ClusterBenchTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new ClusterBench());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    /** A run against {@code nodes}, short: no warmup, a small key space, small values. */
    private int runAgainst(FakeNodes nodes, String... args) {
        List<String> all = new ArrayList<>(List.of("--hosts", nodes.hosts(), "--warmup", "0", "--keys", "200",
                "--value-bytes", "64", "--threads", "4"));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    // -------------------------------------------------------------------------------- arguments

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--read-percent|101|--read-percent: 101 (expected: 0 to 100)",
        "--read-percent|-1|--read-percent: -1 (expected: 0 to 100)",
        "--threads|0|--threads: 0 (expected: 1 to 1024)",
        "--keys|0|--keys: 0 (expected: 1 to 10000000)",
        "--value-bytes|0|--value-bytes: 0 (expected: 1 to 4194304 (storage.max_value_bytes",
        "--r|most|'most' (expected: one, quorum, all or a number >= 1)",
        "--w|0|'0' (expected: one, quorum, all or a number >= 1)",
        "--n|0|--n: 0 (expected: >= 1, or unset for the replication factor)",
        "--duration|0s|--duration: 0s (expected: above 0 and at most 24h)",
        "--duration|soon|'soon' (expected: a duration such as 500ms, 30s, 5m or 1h)",
        "--ops|0|--ops: 0 (expected: 1 to 1000000000000)",
        "--warmup|2h|--warmup: 2h (expected: 0 to 1h)",
        "--timeout|0|--timeout: 0s (expected: 1ms to 10m)",
        "--hosts|,|--hosts: [] (expected: a comma-separated list of host:port, none empty)",
    })
    void rejectsABadOptionNamingItTheValueAndTheExpectation(String option, String value, String message) {
        int exit = run(option, value);

        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains(message).contains("Usage: kvorum-bench");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void takesExactlyOneOfDurationAndOps() {
        int exit = run("--duration", "10s", "--ops", "1000");

        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--duration and --ops: both given (expected: exactly one of them)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--r|4|--r: 4 (expected: at most --n = 3 replicas)",
        "--w|all|",
        "--w|3|",
    })
    void checksANumericRAndWAgainstNBeforeConnecting(String option, String value, String message) {
        // Nothing listens on the default hosts' port in a test; a usage error must come first.
        int exit = run("--n", "3", option, value, "--hosts", "127.0.0.1:1");

        if (message == null) {
            assertThat(exit).as(err.toString()).isEqualTo(1); // valid: it went on to connect, and failed
        } else {
            assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
            assertThat(err.toString()).contains(message);
        }
    }

    @Test
    void checksNAgainstTheReplicationFactorOnceConnected() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            int exit = runAgainst(nodes, "--n", "4", "--ops", "10");

            assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
            assertThat(err.toString()).contains("n: 4 (expected: <= the replication factor 3)",
                    "the cluster's replication factor is 3");
            assertThat(out.toString()).isEmpty();
        }
    }

    @Test
    void exitsOneWhenNoHostCanBeReached() throws IOException {
        String dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = "127.0.0.1:" + s.getLocalPort();
        }

        int exit = run("--hosts", dead, "--ops", "10");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).startsWith("kvorum-bench: cannot connect to any of " + dead + ": ");
        assertThat(out.toString()).isEmpty();
    }

    // ------------------------------------------------------------------------------- end to end

    @Test
    void runsAMeasuredNumberOfOperationsAndReportsThem() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            int exit = runAgainst(nodes, "--ops", "2000", "--read-percent", "70");

            assertThat(err.toString()).isEmpty();
            assertThat(exit).isZero();
            String report = out.toString();
            assertThat(report)
                    .contains("Kvorum cluster benchmark: 70% reads, 30% writes, 4 threads")
                    .contains("the ring has 3 nodes (3 up), replication factor 3")
                    .contains("r=QUORUM (2 of 3), w=QUORUM (2 of 3), n=3 (the replication factor)")
                    .contains("not durable")
                    .contains("load: 200 keys written in")
                    .contains("2,000 operations measured")
                    .contains("  errors    none")
                    .contains("found none, ")
                    .containsPattern("(?m)^  load +200 keys read and written back in [0-9.]+ s .*; failed requests: 0$")
                    .containsPattern("(?m)^read +[0-9,]+ +[0-9,]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$")
                    .containsPattern("(?m)^write +[0-9,]+ +[0-9,]+ ")
                    .containsPattern("(?m)^all +[0-9,]+ +2,000 ");
            assertThat(report).containsPattern("(?m)^  reads +[0-9,]+ found a value, 0 found none");
            // Every write but the first of a key carried the key's last context: no key piles up values.
            for (int k = 0; k < 200; k++) {
                assertThat(nodes.values("key-" + k)).as("values of key-%d", k).isBetween(1, 4);
            }
        }
    }

    @Test
    void loadingAgainReplacesWhatAnEarlierRunLeftInsteadOfAddingASibling() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            for (int run = 1; run <= 2; run++) {
                out.getBuffer().setLength(0);
                int exit = runAgainst(nodes, "--ops", "200", "--read-percent", "100");

                assertThat(exit).as(err.toString()).isZero();
                assertThat(out.toString()).contains("200 found a value, 0 found none, 0 returned siblings");
            }
            for (int k = 0; k < 200; k++) {
                assertThat(nodes.values("key-" + k)).as("values of key-%d", k).isEqualTo(1);
            }
        }
    }

    @Test
    void runsForADurationWithoutLoading() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            int exit = runAgainst(nodes, "--duration", "300ms", "--no-load", "--read-percent", "100");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString())
                    .contains("load      off")
                    .contains("then 300ms measured")
                    .doesNotContain("load: ")
                    .containsPattern("(?m)^write +0 +0 +- +- +- +- +-$")
                    .containsPattern("(?m)^  reads +0 found a value, [0-9,]+ found none")
                    .contains("  errors    none");
        }
    }

    @Test
    void timesOnlyTheThreadsThatSentAMeasuredOperation() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            // 3 operations for 8 threads: 5 threads measure nothing and must not stretch the window.
            int exit = run("--hosts", nodes.hosts(), "--warmup", "0", "--keys", "20", "--value-bytes", "64",
                    "--ops", "3", "--threads", "8");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).containsPattern("(?m)^Results: [0-9,]+ ops/s over [0-9]\\.[0-9] s measured"
                    + " \\(3 successful operations; 0 failed, not counted\\)$");
            String rate = out.toString().lines().filter(l -> l.startsWith("Results: ")).findFirst().orElseThrow()
                    .split(" ")[1].replace(",", "");
            assertThat(Long.parseLong(rate)).isGreaterThan(3);
        }
    }

    @Test
    void acceptsLoadEqualsFalse() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            int exit = runAgainst(nodes, "--ops", "10", "--load=false");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).contains("load      off");
        }
    }

    @Test
    void countsFailuresByKindWithTheFirstMessageAndStillExitsZero() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            // Writes of keys ending in 7 are refused everywhere: their load fails, so reads of them find nothing.
            nodes.answerWith(request -> request instanceof PutRequest put && put.keyObject().toString().endsWith("7")
                    ? CompletableFuture.failedFuture(UnavailableException.of("write at W=QUORUM (n=3)", 2, 1))
                    : null);

            int exit = runAgainst(nodes, "--ops", "2000", "--read-percent", "50");

            assertThat(exit).as(err.toString()).isZero();
            String report = out.toString();
            assertThat(report)
                    .containsPattern("(?m)^  errors    [0-9,]+ \\([0-9.]+% of operations sent\\)$")
                    .containsPattern("(?m)^    UnavailableException +0 +[1-9][0-9,]* +write at W=QUORUM \\(n=3\\) needs 2"
                            + " replicas up but only 1 are; nothing was sent$")
                    .containsPattern("(?m)^    NotFound +[1-9][0-9,]* +0 +read of key 'key-[0-9]*7' found no value")
                    .containsPattern("(?m)^  load +180 keys read and written back in .*; failed requests: 20$");
        }
    }

    @Test
    void countsAReadOfAMissingKeyAsAnErrorOnlyWhenKeysWereLoaded() {
        try (FakeNodes nodes = new FakeNodes(3)) {
            nodes.answerWith(request -> request instanceof GetRequest
                    ? CompletableFuture.completedFuture(new io.kvorum.core.protocol.GetResponse(List.of())) : null);

            int exit = runAgainst(nodes, "--ops", "100", "--read-percent", "100");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).containsPattern("(?m)^    NotFound +100 +0 ")
                    .containsPattern("(?m)^Results: 0 ops/s .*\\(0 successful operations; 100 failed, not counted\\)$");
        }
    }
}
