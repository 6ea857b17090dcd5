package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDocTest {

    /** The committed file is the rendering of the code's settings; regenerate it with kvorum-node --print-config. */
    @Test
    void theCommittedConfigFileDocumentsExactlyTheCodesSettings() throws IOException {
        Path conf = Path.of("..", "conf", "kvorum.properties");
        assertThat(Files.readString(conf, StandardCharsets.UTF_8))
                .as("conf/kvorum.properties is stale: run bin/kvorum-node --print-config > conf/kvorum.properties")
                .isEqualTo(ConfigDoc.render());
    }

    @Test
    void theCommittedConfigFileLoadsAndEveryCommentedDefaultParses(@TempDir Path dir) throws IOException {
        Path conf = Path.of("..", "conf", "kvorum.properties");
        Settings defaults = NodeConfig.load(conf, List.of());
        assertThat(defaults.asMap()).isEmpty();

        // Uncommenting every line must give a valid configuration equal to the defaults.
        String uncommented = Files.readString(conf).replaceAll("(?m)^#([a-z][a-z0-9_.]*) = ", "$1 = ");
        Path all = dir.resolve("all.properties");
        Files.writeString(all, uncommented);
        Settings explicit = NodeConfig.load(all, List.of());
        for (var s : NodeSettings.all()) {
            assertThat((Object) explicit.get(s)).as(s.key()).isEqualTo(s.defaultValue());
        }
    }

    @Test
    void flagsOverrideTheFileAndUnknownKeysAreRefusedWithASuggestion(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("n.properties");
        Files.writeString(file, "node.client_port = 9200\n");
        Settings s = NodeConfig.load(file, List.of("--node.client_port=9300"));
        assertThat(s.get(NodeSettings.CLIENT_PORT)).isEqualTo(9300);

        assertThatThrownBy(() -> NodeConfig.load(file, List.of("--node.clinet_port=1")))
                .hasMessageContaining("unknown setting 'node.clinet_port'; did you mean node.client_port?");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of("--storage.memtable_max_bytes=lots")))
                .hasMessageContaining("storage.memtable_max_bytes: 'lots'");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of("node.client_port=1")))
                .hasMessageContaining("expected: --key=value");
    }

    @Test
    void aGraceShorterThanTheLongestRequestTimeoutIsRefused() {
        assertThatThrownBy(() -> NodeConfig.load(null, List.of("--ring.change_grace_ms=1000",
                "--request.max_timeout_ms=5000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ring.change_grace_ms: 1000 ms (expected: at least request.max_timeout_ms, 5000 ms)");
    }
}
