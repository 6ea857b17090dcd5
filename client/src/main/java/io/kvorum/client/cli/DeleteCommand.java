package io.kvorum.client.cli;

import io.kvorum.client.Context;
import io.kvorum.client.GetResult;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.WriteOptions;
import java.io.PrintStream;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    WriteFlags write;

    @Override
    Duration timeout() {
        return write.timeout;
    }

    @Override
    int run(KvorumClient client, PrintStream out) {
        WriteOptions options = write.options(spec.commandLine());
        Context covering = context;
        if (covering == null) {
            ReadOptions read = ReadOptions.quorum().timeout(write.timeout);
            GetResult seen = client.get(key, write.n == null ? read : read.n(write.n));
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
