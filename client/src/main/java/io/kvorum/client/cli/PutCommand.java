package io.kvorum.client.cli;

import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.Consistency;
import io.kvorum.core.WriteOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvorum put KEY VALUE}: writes, blind or with a get's context, and prints the new context. */
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Writes VALUE to KEY.",
            "With --context from a get it replaces exactly what that get returned, which resolves siblings;"
                    + " without, it is a blind write and becomes a sibling of any value KEY already has. Prints"
                    + " 'context: CONTEXT', with which the next put replaces this one."})
final class PutCommand extends ClusterCommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key, as UTF-8 text.")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value, as UTF-8 text.")
    String value;

    @Option(names = "--context", paramLabel = "CONTEXT", converter = Converters.ContextConverter.class,
            description = "The context a get printed.")
    Context context;

    @Option(names = "--w", paramLabel = "W", converter = Converters.ConsistencyConverter.class,
            defaultValue = "quorum", description = "Replicas that must acknowledge: one, quorum, all or a number (default: ${DEFAULT-VALUE}).")
    Consistency w;

    @Option(names = "--n", paramLabel = "N", description = "Replicas to write (default: the replication factor).")
    Integer n;

    @Option(names = "--durable", description = "Acknowledge only once the write is fsynced on each acknowledging replica.")
    boolean durable;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            defaultValue = "2s", description = "How long the cluster may take (default: ${DEFAULT-VALUE}); a write"
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
        Context written = client.put(key, value.getBytes(StandardCharsets.UTF_8),
                context == null ? Context.empty() : context, options);
        out.println(Printing.context(written));
        return 0;
    }
}
