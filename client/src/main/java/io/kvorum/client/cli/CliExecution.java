package io.kvorum.client.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * How every Kvorum command line runs: picocli's output on the given streams, and a failure as one
 * line on stderr with exit code 1 (the stack trace too when {@code verbose} holds).
 */
final class CliExecution {
    private CliExecution() {
    }

    static int execute(Object command, String[] args, PrintStream out, PrintStream err, BooleanSupplier verbose) {
        CommandLine cmd = new CommandLine(command);
        cmd.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cmd.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("error: " + KvorumCli.oneLine(e));
            if (verbose.getAsBoolean()) {
                e.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        int code = cmd.execute(args);
        out.flush();
        return code;
    }
}
