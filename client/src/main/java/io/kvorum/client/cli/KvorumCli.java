package io.kvorum.client.cli;

import io.kvorum.client.KvorumClient;
import io.kvorum.core.ReadOptions;
import io.kvorum.transport.TlsConfig;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code kvorum}, the command line of a Kvorum cluster: get, put and delete single keys with the
 * consistency chosen per call, and show the ring.
 *
 * <p>Why a tool of its own rather than curl: a Dynamo-style store hands out causal contexts and
 * may answer with siblings, and resolving them from a shell needs both printed in a form that can
 * be pasted back ({@code get} prints each sibling and the context; {@code put --context} takes it).
 *
 * <p>Exit codes: 0 on success (a key not found is a success), 1 when the cluster or the network
 * failed the request (one line on stderr; the stack trace with {@code --verbose}), 2 for a usage
 * error. {@link #run} is the whole program without {@code System.exit}, for tests.
 */
@Command(name = "kvorum", mixinStandardHelpOptions = true, version = "kvorum 0.1.0-SNAPSHOT",
        description = "Talks to a Kvorum cluster: reads, writes and deletes keys, and shows the ring.",
        subcommands = {GetCommand.class, PutCommand.class, DeleteCommand.class, RingCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%n",
        footer = {
            "R and W are one, quorum, all or a number of replicas; N (default: the replication factor) is how"
                    + " many replicas of the key take part. A get prints every sibling (concurrent writes) and a"
                    + " context; 'put KEY VALUE --context CONTEXT' then replaces exactly what that get returned.",
            "",
            "Hosts come from --host, else from KVORUM_HOSTS (comma-separated), else " + KvorumCli.DEFAULT_HOST + ".",
            "For nodes with client.tls.enabled add --tls, or --truststore FILE to trust the nodes' certificates.",
            "Exit codes: 0 success (a key not found included), 1 the request failed, 2 usage error."})
public final class KvorumCli implements Callable<Integer> {
    static final String DEFAULT_HOST = "127.0.0.1:9100";
    static final String HOSTS_ENV = "KVORUM_HOSTS";
    static final String PASSWORD_ENV = "KVORUM_PASSWORD";

    @Option(names = "--host", split = ",", paramLabel = "host:port", scope = ScopeType.INHERIT,
            description = "A node to connect through (repeatable or comma-separated; tried in order).")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--user", scope = ScopeType.INHERIT,
            description = "User to authenticate as; the password comes from " + PASSWORD_ENV + ".")
    String user;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT,
            converter = Converters.DurationConverter.class, defaultValue = "1s",
            description = "How long to wait for a node to accept a connection (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Mixin
    TlsFlags tlsFlags = new TlsFlags();

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    boolean verbose;

    @Spec
    CommandLine.Model.CommandSpec spec;

    final PrintStream out;
    final PrintStream err;
    private final Map<String, String> env;

    KvorumCli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line {@code args}, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.getenv());
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        KvorumCli cli = new KvorumCli(out, err, env);
        return CliExecution.execute(cli, args, out, err, () -> cli.verbose);
    }

    /** {@code kvorum} without a command: the usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return 2;
    }

    /** A client through the hosts given, or KVORUM_HOSTS, or the default; requests without options use {@code requestTimeout}. */
    KvorumClient connect(Duration requestTimeout) {
        KvorumClient.Builder b = KvorumClient.builder()
                .seeds(seeds())
                .clientName("kvorum-cli")
                .connectTimeout(connectTimeout)
                .requestTimeout(requestTimeout)
                .ringRefreshPeriod(Duration.ZERO)
                .ioThreads(1);
        if (user != null) {
            String password = env.get(PASSWORD_ENV);
            if (password == null || password.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--user " + user + " needs the password in the environment variable " + PASSWORD_ENV);
            }
            b.credentials(user, password);
        }
        TlsConfig tls = tlsFlags.config(spec.commandLine(), env);
        if (tls != null) {
            b.tls(tls);
        }
        return b.build();
    }

    private List<String> seeds() {
        if (!hosts.isEmpty()) {
            return hosts;
        }
        String fromEnv = env.get(HOSTS_ENV);
        List<String> seeds = new ArrayList<>();
        if (fromEnv != null) {
            for (String h : fromEnv.split(",")) {
                if (!h.isBlank()) {
                    seeds.add(h.trim());
                }
            }
        }
        if (seeds.isEmpty()) {
            seeds.add(DEFAULT_HOST);
        }
        return seeds;
    }

    static Duration defaultTimeout() {
        return Duration.ofMillis(ReadOptions.DEFAULT_TIMEOUT_MS);
    }

    /** The message of an error on one line: the CLI's contract is one line on stderr. */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
