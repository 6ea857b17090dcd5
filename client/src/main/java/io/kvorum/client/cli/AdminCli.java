package io.kvorum.client.cli;

import io.kvorum.client.AdminClient;
import io.kvorum.core.protocol.AdminMessages.HintRow;
import io.kvorum.core.protocol.AdminMessages.HintsResponse;
import io.kvorum.transport.TlsConfig;
import io.kvorum.core.NodeId;
import io.kvorum.core.protocol.AdminMessages.MemberRow;
import io.kvorum.core.protocol.AdminMessages.StatusResponse;
import io.kvorum.core.protocol.RingResponse;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code kvorum-admin}, the operator's tool (like Cassandra's nodetool): the cluster's status as
 * one node sees it, its ring, and the ring changes an operator runs: decommission a live node,
 * remove a dead one; and, without a node, {@code hash-password}, which makes a line of a node's
 * users file. On a node with users, {@code --user} names an admin (the password comes from
 * {@code KVORUM_PASSWORD}, as for {@code kvorum}); a data user may run {@code ring} only.
 *
 * <p>Exit codes: 0 success, 1 the node is unreachable or refused or failed the operation (one line
 * on stderr), 2 usage error. {@link #run} is the whole program without {@code System.exit}.
 */
@Command(name = "kvorum-admin", mixinStandardHelpOptions = true, version = "kvorum-admin 0.1.0-SNAPSHOT",
        description = "Administers a Kvorum cluster through one of its nodes.",
        subcommands = {AdminCli.Status.class, AdminCli.RingCmd.class, AdminCli.Decommission.class,
                AdminCli.RemoveNode.class, AdminCli.Cleanup.class, AdminCli.Hints.class, HashPassword.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%n",
        footer = {"For a node with client.tls.enabled add --tls, or --truststore FILE to trust its certificate.",
            "Exit codes: 0 success, 1 the node could not be reached or the operation failed, 2 usage error."})
public final class AdminCli implements Callable<Integer> {
    @Option(names = "--host", paramLabel = "host:port", scope = ScopeType.INHERIT, defaultValue = "127.0.0.1:9100",
            description = "The node to talk to (its client port; default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT,
            converter = Converters.DurationConverter.class, defaultValue = "2s",
            description = "How long to wait for the node to accept a connection (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Mixin
    TlsFlags tlsFlags = new TlsFlags();

    @Option(names = "--user", scope = ScopeType.INHERIT,
            description = {"User to authenticate as; the password comes from " + KvorumCli.PASSWORD_ENV + ".",
                "For hash-password: the user to make a line for."})
    String user;

    @Spec
    CommandLine.Model.CommandSpec spec;

    final PrintStream out;
    final PrintStream err;
    final Map<String, String> env;
    final InputStream in;

    AdminCli(PrintStream out, PrintStream err, Map<String, String> env, InputStream in) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.in = in;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv(), System.in));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.getenv(), System.in);
    }

    /** The whole program with its environment and standard input given, for tests and embedding. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, InputStream in) {
        return CliExecution.execute(new AdminCli(out, err, env, in), args, out, err, () -> false);
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, err);
        return 2;
    }

    AdminClient connect() {
        TlsConfig tls = tlsFlags.config(spec.commandLine(), env);
        if (user == null) {
            return AdminClient.connect(host, connectTimeout, tls);
        }
        String password = env.get(KvorumCli.PASSWORD_ENV);
        if (password == null || password.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--user " + user + " needs the password in the environment variable " + KvorumCli.PASSWORD_ENV);
        }
        return AdminClient.connect(host, connectTimeout, user, password, tls);
    }

    /** What every subcommand does around its work: connect to the node, run, close. */
    abstract static class AdminCommand implements Callable<Integer> {
        @ParentCommand
        AdminCli cli;

        abstract int run(AdminClient admin, PrintStream out);

        @Override
        public final Integer call() {
            try (AdminClient admin = cli.connect()) {
                return run(admin, cli.out);
            }
        }
    }

    /** {@code status}: every member with its state, load, share of the ring and streams. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Shows every member as the node sees it: id, address, rack, up or down, state"
                    + " (NORMAL, JOINING, LEAVING, REMOVING, LEFT, REMOVED), data size, tokens, share of the ring"
                    + " owned (primary) and replicated, and streaming progress; then a line for each member whose"
                    + " storage has a problem (a full disk, damaged blocks)."})
    static final class Status extends AdminCommand {
        @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                defaultValue = "5s", description = "How long the node may take (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        int run(AdminClient admin, PrintStream out) {
            StatusResponse s = admin.status(timeout);
            out.println("Cluster as " + admin.host() + " (node " + new NodeId(s.node()) + ") sees it;"
                    + " replication factor " + s.replicationFactor());
            List<MemberRow> members = new ArrayList<>(s.members());
            members.sort(Comparator.comparing(MemberRow::address));
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"UP", "STATE", "NODE", "ADDRESS", "RACK", "LOAD", "TOKENS", "OWNS",
                "REPLICATES", "STREAMING"});
            for (MemberRow m : members) {
                rows.add(new String[] {m.up() ? "Up" : "Down", m.status(), new NodeId(m.nodeId()).toString(),
                    m.address(), m.rack().isEmpty() ? "-" : m.rack(), bytes(m.loadBytes()),
                    Integer.toString(m.tokens()), percent(m.owns()), percent(m.replicates()),
                    m.streaming().isEmpty() ? "-" : m.streaming()});
            }
            Tables.print(out, rows);
            for (MemberRow m : members) {
                if (!m.storage().isEmpty()) {
                    out.println("storage of " + new NodeId(m.nodeId()) + " (" + m.address() + "): " + m.storage());
                }
            }
            if (!s.hints().isEmpty()) {
                out.println("hints held here: " + s.hints() + " (kvorum-admin hints lists them)");
            }
            if (!s.change().isEmpty()) {
                out.println("running here: " + s.change());
            }
            for (String stream : s.streams()) {
                out.println("stream: " + stream);
            }
            return 0;
        }
    }

    /** {@code ring}: every token in ring order with its owner, as nodetool ring prints it. */
    @Command(name = "ring", mixinStandardHelpOptions = true,
            description = {"Shows every token in ring order with the node that owns the range ending at it."})
    static final class RingCmd extends AdminCommand {
        @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                defaultValue = "5s", description = "How long the node may take (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        int run(AdminClient admin, PrintStream out) {
            RingResponse ring = admin.ring(timeout);
            Map<Long, RingResponse.Member> byToken = new TreeMap<>();
            for (RingResponse.Member m : ring.members()) {
                for (long t : m.tokens()) {
                    byToken.put(t, m);
                }
            }
            out.println(byToken.size() + " tokens of " + ring.members().size() + " members; replication"
                    + " factor " + ring.replicationFactor());
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"TOKEN", "NODE", "ADDRESS", "UP"});
            byToken.forEach((t, m) -> rows.add(new String[] {Long.toString(t), new NodeId(m.nodeId()).toString(),
                m.host() + ":" + m.clientPort(), m.up() ? "up" : "down"}));
            Tables.print(out, rows);
            return 0;
        }
    }

    /** {@code decommission}: the node talked to hands its ranges over and leaves. */
    @Command(name = "decommission", mixinStandardHelpOptions = true,
            description = {"Decommissions the node given by --host: it becomes LEAVING, the nodes that inherit its"
                    + " ranges stream them, then it is LEFT and stops. Clients keep reading and writing meanwhile."
                    + " Progress: kvorum-admin status, on any node."})
    static final class Decommission extends AdminCommand {
        @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                defaultValue = "60m", description = "How long to wait for it to finish (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        int run(AdminClient admin, PrintStream out) {
            out.println("decommissioning " + admin.host() + " ...");
            out.flush();
            out.println(admin.decommission(timeout));
            return 0;
        }
    }

    /** {@code removenode ID}: a dead member's ranges are restored from their surviving replicas. */
    @Command(name = "removenode", mixinStandardHelpOptions = true,
            description = {"Removes a dead member: the node given by --host marks it REMOVING, the new replicas of"
                    + " its ranges stream them from the surviving ones, then it is REMOVED. Use it for a node that"
                    + " will not come back; decommission a live one instead."})
    static final class RemoveNode extends AdminCommand {
        @Parameters(paramLabel = "NODE_ID", converter = Converters.NodeIdConverter.class,
                description = "The dead member's id, as status shows it.")
        NodeId node;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                defaultValue = "60m", description = "How long to wait for it to finish (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        int run(AdminClient admin, PrintStream out) {
            out.println("removing " + node + " through " + admin.host() + " ...");
            out.flush();
            out.println(admin.removeNode(node, timeout));
            return 0;
        }
    }

    /** {@code cleanup}: the node drops the data of ranges it no longer replicates. */
    @Command(name = "cleanup", mixinStandardHelpOptions = true,
            description = {"Drops, on the node given by --host, the data of ranges it no longer replicates: run it on"
                    + " every older node once a new node has joined (as with Cassandra's nodetool cleanup). Refused"
                    + " while a ring change is under way."})
    static final class Cleanup extends AdminCommand {
        @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                defaultValue = "60m", description = "How long to wait for it to finish (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        int run(AdminClient admin, PrintStream out) {
            out.println(admin.cleanup(timeout));
            return 0;
        }
    }

    @Command(name = "hints", mixinStandardHelpOptions = true,
            description = {"Lists the hints the node given by --host keeps for other nodes: per target, hints and bytes"
                    + " pending, the oldest one's age, delivered and dropped since start, whether paused, and the"
                    + " delivery rate.",
                "With ACTION and NODE_ID: pause or resume delivery to that node, or truncate (drop) its hints;"
                        + " repair heals what truncated hints would have carried."})
    static final class Hints extends AdminCommand {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", paramLabel = "ACTION", description = "pause, resume or truncate.")
        String action;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NODE_ID", converter = Converters.NodeIdConverter.class,
                description = "The target, as the list prints it.")
        NodeId target;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                defaultValue = "10s", description = "How long to wait (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        int run(AdminClient admin, PrintStream out) {
            if (action != null && !List.of("pause", "resume", "truncate").contains(action)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "ACTION: '" + action
                        + "' (expected: pause, resume or truncate)");
            }
            if (action != null && target == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), action + " needs NODE_ID");
            }
            HintsResponse r = admin.hints(action == null ? "list" : action, target, timeout);
            if (!r.message().isEmpty()) {
                out.println(r.message());
            }
            if (r.rows().isEmpty()) {
                out.println("no hints held on " + new NodeId(r.node()));
                return 0;
            }
            out.printf(Locale.ROOT, "%-16s  %10s  %10s  %10s  %10s  %8s  %6s  %10s%n", "target", "pending", "bytes",
                    "oldest", "delivered", "dropped", "paused", "rate/s");
            for (HintRow row : r.rows()) {
                out.printf(Locale.ROOT, "%-16s  %10d  %10s  %10s  %10d  %8d  %6s  %10.1f%n", new NodeId(row.target()),
                        row.hints(), bytes(row.bytes()), row.hints() == 0 ? "-" : (row.oldestAgeMs() / 1000) + " s",
                        row.delivered(), row.dropped(), row.paused() ? "yes" : "no", row.hintsPerSecond());
            }
            return 0;
        }
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    static String bytes(long n) {
        return io.kvorum.core.ByteSizes.human(n);
    }
}
