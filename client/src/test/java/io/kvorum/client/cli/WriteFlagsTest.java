package io.kvorum.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.WriteOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** --sloppy, --no-sloppy and neither: the last leaves the choice to the node. */
class WriteFlagsTest {
    @Command(name = "w")
    static final class Writer implements Runnable {
        @Mixin
        WriteFlags write;

        @Override
        public void run() {
        }
    }

    private static WriteOptions parse(String... args) {
        Writer w = new Writer();
        CommandLine line = new CommandLine(w);
        line.parseArgs(args);
        return w.write.options(line);
    }

    @Test
    void sloppinessIsTheFlagsOrTheNodesChoice() {
        assertThat(parse("--sloppy").sloppy()).isTrue();
        assertThat(parse("--no-sloppy").sloppy()).isFalse();
        assertThat(parse().sloppy()).isNull();
        assertThat(parse("--sloppy", "--durable", "--w", "all").toString()).contains("durable").contains("sloppy");
    }
}
