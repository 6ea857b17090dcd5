package io.kvorum.client.cli;

import io.kvorum.client.KvorumClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every subcommand does around its request: connect through the global options, run, close.
 * The connection lives for one command, so the client does not refresh its ring in the background.
 */
abstract class ClusterCommand implements Callable<Integer> {
    @ParentCommand
    KvorumCli cli;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** The request's timeout, which also bounds requests made without options (the ring). */
    abstract Duration timeout();

    /** Runs the command against a connected client; returns the exit code. */
    abstract int run(KvorumClient client, PrintStream out);

    @Override
    public final Integer call() {
        try (KvorumClient client = cli.connect(timeout())) {
            return run(client, cli.out);
        }
    }

    /** A usage error naming the option: exit code 2 with picocli's usage. */
    final CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
