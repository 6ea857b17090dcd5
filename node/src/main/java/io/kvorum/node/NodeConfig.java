package io.kvorum.node;

import io.kvorum.core.Settings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a node's configuration: {@code conf/kvorum.properties}, then {@code --key=value} flags over
 * it, every key checked against {@link NodeSettings#all()} so that a misspelt key stops the node
 * with a suggestion instead of being ignored. Values are parsed and bounded when read.
 */
public final class NodeConfig {
    private NodeConfig() {
    }

    /**
     * @param file the properties file, or null for defaults only
     * @param flags arguments of the form {@code --key=value}
     * @throws IllegalArgumentException naming the bad flag, key or value
     */
    public static Settings load(Path file, List<String> flags) throws IOException {
        Map<String, String> raw = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--config: " + file.toAbsolutePath() + " does not exist");
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("--config: cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
            }
            for (String name : p.stringPropertyNames()) {
                raw.put(name, p.getProperty(name).trim());
            }
        }
        for (String flag : flags) {
            int eq = flag.indexOf('=');
            if (!flag.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("option: '" + flag + "' (expected: --key=value, e.g. --node.client_port=9101)");
            }
            raw.put(flag.substring(2, eq), flag.substring(eq + 1).trim());
        }
        Settings settings = Settings.of(raw);
        settings.requireOnlyKnown(NodeSettings.all());
        for (var s : NodeSettings.all()) {
            settings.get(s); // parse and bound every value now, not at first use
        }
        NodeSettings.checkGraceCoversTimeouts(settings);
        return settings;
    }
}
