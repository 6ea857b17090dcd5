package io.kvorum.client.cli;

import io.kvorum.client.Context;
import io.kvorum.client.GetResult;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.Consistency;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import java.io.PrintStream;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kvorum delete KEY}. A delete supersedes only what its context covers, so a blind one
 * would delete nothing; without {@code --context} this command reads the key first and deletes
 * what that read returned, as Riak does for a delete without a vector clock.
 */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = {"Deletes KEY.",
            "With --context from a get it deletes exactly what that get returned; without, it first reads KEY"
                    + " (at quorum) and deletes what that read saw. A value written concurrently by someone else"
                    + " survives as a sibling. Prints 'context: CONTEXT'."})
final class DeleteCommand extends ClusterCommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key, as UTF-8 text.")
    String key;

    @Option(names = "--context", paramLabel = "CONTEXT", converter = Converters.ContextConverter.class,
            description = "The context a get printed.")
    Context context;

    @Option(names = "--w", paramLabel = "W", converter = Converters.ConsistencyConverter.class,
            defaultValue = "quorum", description = "Replicas that must acknowledge: one, quorum, all or a number (default: ${DEFAULT-VALUE}).")
    Consistency w;

    @Option(names = "--n", paramLabel = "N", description = "Replicas to write (default: the replication factor).")
    Integer n;

    @Option(names = "--durable", description = "Acknowledge only once the delete is fsynced on each acknowledging replica.")
    boolean durable;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            defaultValue = "2s", description = "How long the cluster may take (default: ${DEFAULT-VALUE}); a delete"
                    + " that times out may still have been applied.")
    Duration timeout;

    @Override
    Duration timeout() {
        return timeout;
    }

    @Override
    int run(KvorumClient client, PrintStream out) {
        WriteOptions options = WriteOptions.quorum().w(w).timeout(timeout).durable(durable);
        if (n != null) {
            if (n < 1) {
                throw usage("--n: " + n + " (expected: >= 1)");
            }
            options = options.n(n);
        }
        Context covering = context;
        if (covering == null) {
            ReadOptions read = ReadOptions.quorum().timeout(timeout);
            GetResult seen = client.get(key, n == null ? read : read.n(n));
            if (seen.context().isEmpty()) {
                out.println("not found");
                out.println(Printing.context(seen.context()));
                return 0;
            }
            covering = seen.context();
        }
        out.println(Printing.context(client.delete(key, covering, options)));
        return 0;
    }
}
