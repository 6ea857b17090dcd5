package io.kvorum.node;

import io.kvorum.core.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code kvorum-node [--config FILE] [--key=value ...]}: starts one node in the foreground and
 * stops it cleanly on SIGTERM or Ctrl-C (flushing memtables and recording a clean shutdown).
 * Every setting of {@link NodeSettings} can be given as a flag; an unknown one is an error.
 */
@Command(name = "kvorum-node", mixinStandardHelpOptions = true, version = "Kvorum 0.1.0",
        description = "Starts one Kvorum node.",
        footer = {"", "Any setting of conf/kvorum.properties may follow as --key=value, e.g. --node.client_port=9101."})
public final class NodeMain implements java.util.concurrent.Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(NodeMain.class);


    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (default: none, built-in defaults).")
    Path config;

    @Option(names = "--print-config", description = "Print the documented configuration file with every default, and exit.")
    boolean printConfig;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (printConfig) {
            System.out.print(ConfigDoc.render());
            return 0;
        }
        Settings settings;
        try {
            settings = NodeConfig.load(config, overrides);
        } catch (IllegalArgumentException e) {
            System.err.println("kvorum-node: " + e.getMessage());
            return 2;
        }
        log.info("Effective configuration (non-default keys): {}", redacted(settings.asMap()));
        Node node;
        try {
            node = Node.start(settings);
        } catch (Exception e) {
            log.error("Node failed to start: {}", describe(e));
            Node.TRACES.error("Node failed to start", e);
            System.err.println("kvorum-node: cannot start: " + describe(e));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Shutting down");
            node.close();
            stopped.countDown();
        }, "kvorum-shutdown"));
        // A decommissioned node stops by itself, a moment after it answered the operator: the answer
        // is written by the client server, which closing the node would cut off.
        node.retired().thenRun(() -> new Thread(() -> {
            try {
                Thread.sleep(RETIRE_ANSWER_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("Decommissioned: stopping");
            node.close();
            stopped.countDown();
        }, "kvorum-retire").start());
        stopped.await();
        return 0;
    }

    private static final long RETIRE_ANSWER_MS = 1000;

    /**
     * The configuration to log, with the values of secrets and passwords hidden: log files are read
     * by more people, and kept longer, than the configuration file.
     */
    static Map<String, String> redacted(Map<String, String> settings) {
        Map<String, String> shown = new TreeMap<>(settings);
        shown.replaceAll((key, value) -> key.endsWith("secret") || key.endsWith("password") ? "(hidden)" : value);
        return shown;
    }

    /** The failure and its causes' messages on one line, without class names where a message says enough. */
    static String describe(Throwable e) {
        StringBuilder line = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName()
                    : t.getMessage();
            if (line.indexOf(message) < 0) {
                line.append(line.length() == 0 ? "" : ": ").append(message);
            }
        }
        return line.toString();
    }

    public static void main(String[] args) {
        int code = new CommandLine(new NodeMain()).setUnmatchedOptionsArePositionalParams(false).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
