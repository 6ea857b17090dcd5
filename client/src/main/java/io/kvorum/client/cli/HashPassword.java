package io.kvorum.client.cli;

import io.kvorum.core.ClientRole;
import io.kvorum.transport.ClientUser;
import io.kvorum.transport.StoredCredential;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code kvorum-admin hash-password --user U --role data|admin}: prints the users-file line for a
 * user, with a fresh random salt; no node is contacted. The password comes from
 * {@code KVORUM_PASSWORD}, else from the first line of standard input (typed without echo at a
 * terminal), never from the command line, where other users of the machine could read it in the
 * process list.
 */
@Command(name = "hash-password", mixinStandardHelpOptions = true,
        description = {"Prints a line for a node's users file (client.users_file): the user, its role and a"
                + " salted SCRAM-SHA-256 key of the password, never the password itself. The password comes from "
                + KvorumCli.PASSWORD_ENV + ", else from standard input. Contacts no node."})
final class HashPassword implements Callable<Integer> {
    @ParentCommand
    AdminCli cli;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--role", required = true, paramLabel = "data|admin", converter = RoleConverter.class,
            description = "data: get, put, delete and ring; admin: everything, status and ring changes included.")
    ClientRole role;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + StoredCredential.DEFAULT_ITERATIONS,
            description = "PBKDF2 iterations, " + StoredCredential.MIN_ITERATIONS + " to "
                    + StoredCredential.MAX_ITERATIONS + ": what each guess at a leaked line costs, and what a"
                    + " client pays once per process (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        if (cli.user == null) {
            throw new CommandLine.ParameterException(cmd, "hash-password needs --user");
        }
        try {
            ClientUser.checkName(cli.user);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        if (iterations < StoredCredential.MIN_ITERATIONS || iterations > StoredCredential.MAX_ITERATIONS) {
            throw new CommandLine.ParameterException(cmd, "--iterations " + iterations + " (expected: "
                    + StoredCredential.MIN_ITERATIONS + ".." + StoredCredential.MAX_ITERATIONS + ")");
        }
        String password = password(cmd);
        StoredCredential credential = StoredCredential.create(password, iterations, new SecureRandom());
        cli.out.println(new ClientUser(cli.user, role, credential).toLine());
        return 0;
    }

    private String password(CommandLine cmd) {
        String fromEnv = cli.env.get(KvorumCli.PASSWORD_ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        Console console = System.console();
        String typed;
        if (cli.in == System.in && console != null) {
            char[] chars = console.readPassword("Password for %s: ", cli.user);
            typed = chars == null ? null : new String(chars);
        } else {
            try {
                typed = new BufferedReader(new InputStreamReader(cli.in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the password from standard input", e);
            }
        }
        if (typed == null || typed.isEmpty()) {
            throw new CommandLine.ParameterException(cmd, "no password: set " + KvorumCli.PASSWORD_ENV
                    + " or give it on standard input");
        }
        return typed;
    }

    /** {@code data} or {@code admin}, as the users file spells them. */
    static final class RoleConverter implements ITypeConverter<ClientRole> {
        @Override
        public ClientRole convert(String value) {
            try {
                return ClientRole.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
