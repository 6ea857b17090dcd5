package io.kvorum.client.cli;

import io.kvorum.client.GetResult;
import io.kvorum.client.KvorumClient;
import io.kvorum.client.Sibling;
import io.kvorum.core.Consistency;
import io.kvorum.core.NodeId;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.core.ReadOptions;
import java.io.PrintStream;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvorum get KEY}: every sibling with its dot and time, then the context to write back with. */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Reads KEY.",
            "Prints each value on its own line (several are siblings: concurrent writes not yet resolved) as"
                    + " VALUE<tab>dot=NODE.EPOCH:COUNTER<tab>time=ISO-8601, the value as text, or as 0x and hex when"
                    + " it is not printable; or 'not found'. Then 'context: CONTEXT', to pass to put or delete"
                    + " with --context."})
final class GetCommand extends ClusterCommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key, as UTF-8 text.")
    String key;

    @Option(names = "--r", paramLabel = "R", converter = Converters.ConsistencyConverter.class,
            defaultValue = "quorum", description = "Replicas that must answer: one, quorum, all or a number (default: ${DEFAULT-VALUE}).")
    Consistency r;

    @Option(names = "--n", paramLabel = "N", description = "Replicas to ask (default: the replication factor).")
    Integer n;

    @Option(names = "--replica", paramLabel = "NODE", description = {"Print exactly what one replica stores of KEY"
            + " (no quorum, no read repair): a node id as kvorum-admin status prints it, or a node's client address"
            + " host:port. --r and --n do not apply."})
    String replica;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            defaultValue = "2s", description = "How long the cluster may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    Duration timeout() {
        return timeout;
    }

    @Override
    int run(KvorumClient client, PrintStream out) {
        ReadOptions options = ReadOptions.quorum().r(r).timeout(timeout);
        if (n != null) {
            if (n < 1) {
                throw usage("--n: " + n + " (expected: >= 1)");
            }
            options = options.n(n);
        }
        GetResult result = replica == null ? client.get(key, options)
                : client.getFromReplica(key, replicaId(client), timeout);
        if (result.found()) {
            for (Sibling s : result.siblings()) {
                out.println(Printing.sibling(s));
            }
        } else {
            out.println("not found");
        }
        out.println(Printing.context(result.context()));
        return 0;
    }

    /** --replica as a node id, or the id of the member whose client address it is. */
    private NodeId replicaId(KvorumClient client) {
        if (!replica.contains(":")) {
            try {
                return new Converters.NodeIdConverter().convert(replica);
            } catch (picocli.CommandLine.TypeConversionException e) {
                throw usage("--replica: " + e.getMessage());
            }
        }
        for (RingResponse.Member m : client.fetchRing().members()) {
            if ((m.host() + ":" + m.clientPort()).equals(replica)) {
                return new NodeId(m.nodeId());
            }
        }
        throw usage("--replica: no member has client address " + replica + " (expected: host:port as kvorum-admin"
                + " status prints it, or a node id)");
    }
}
