package io.kvorum.client.cli;

import io.kvorum.core.Consistency;
import io.kvorum.core.WriteOptions;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The flags of every command that writes (put, delete): --w, --n, --durable, --[no-]sloppy, --timeout. */
final class WriteFlags {
    @Option(names = "--w", paramLabel = "W", converter = Converters.ConsistencyConverter.class,
            defaultValue = "quorum", description = "Replicas that must acknowledge: one, quorum, all or a number (default: ${DEFAULT-VALUE}).")
    Consistency w;

    @Option(names = "--n", paramLabel = "N", description = "Replicas to write (default: the replication factor).")
    Integer n;

    @Option(names = "--durable", description = "Acknowledge only once the write is fsynced on each acknowledging replica.")
    boolean durable;

    @Option(names = "--sloppy", negatable = true, description = {"--sloppy: while a replica is down, the next healthy"
            + " node takes the write as a hint for it and counts toward W; a QUORUM read may then miss the write until"
            + " the hint is delivered. --no-sloppy: only the key's replicas count.",
            "Default: the node's request.sloppy_writes."})
    Boolean sloppy;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            defaultValue = "2s", description = "How long the cluster may take (default: ${DEFAULT-VALUE}); a write"
                    + " that times out may still have been applied.")
    Duration timeout;

    /** The write options the flags ask for; an --n below 1 is a usage error of {@code command}. */
    WriteOptions options(CommandLine command) {
        WriteOptions options = WriteOptions.quorum().w(w).timeout(timeout).durable(durable);
        if (sloppy != null) {
            options = options.sloppy(sloppy);
        }
        if (n == null) {
            return options;
        }
        if (n < 1) {
            throw new CommandLine.ParameterException(command, "--n: " + n + " (expected: >= 1)");
        }
        return options.n(n);
    }
}
