package io.kvorum.client.cli;

import io.kvorum.client.Context;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.WriteOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    WriteFlags write;

    @Override
    Duration timeout() {
        return write.timeout;
    }

    @Override
    int run(KvorumClient client, PrintStream out) {
        WriteOptions options = write.options(spec.commandLine());
        Context written = client.put(key, value.getBytes(StandardCharsets.UTF_8),
                context == null ? Context.empty() : context, options);
        out.println(Printing.context(written));
        return 0;
    }
}
