package io.kvorum.node;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.DurableFiles;
import io.kvorum.core.NodeId;
import io.kvorum.gossip.AppState;
import io.kvorum.gossip.Member;
import io.kvorum.gossip.StatusValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The ring as this node last knew it, saved in its data directory: every member that owns or is
 * gaining ranges, with its address, status, rack and tokens, this node included.
 *
 * <p>It serves two ends at the next start. This node's own line says whether it already owns
 * tokens (it restarts as a member) or must found or join the cluster; the other lines give it a
 * ring at once, before gossip brings one (as Cassandra's system.peers does). One line per member:
 * the node id, then tab-separated {@code KEY=value} fields. Replaced atomically on every change.
 *
 * <p>The first line carries a CRC32C of the rest, so that a damaged file is refused with a
 * {@link CorruptDataException} rather than read as a smaller ring (which would make a member
 * believe it owns nothing and join afresh). Files written before the checksum, which begin with
 * {@link #LEGACY_HEADER}, are still read.
 */
final class RingFile {
    static final String NAME = "ring";
    private static final String HEADER = "# The ring as this node last knew it; written by the node. crc32c=";
    static final String LEGACY_HEADER = "# The ring as this node last knew it; written by the node.\n";
    private static final Set<AppState> SAVED = Set.of(AppState.ADDRESS, AppState.CLIENT_ADDRESS, AppState.STATUS,
            AppState.RACK, AppState.TOKENS);

    private final Path path;

    RingFile(Path dataDir) {
        this.path = dataDir.resolve(NAME);
    }

    Path path() {
        return path;
    }

    /** Members saved by an earlier run; empty when there is no file. */
    List<Member> load() {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        text = checkedBody(text);
        List<Member> members = new ArrayList<>();
        int lineNumber = 1;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t");
            try {
                NodeId node = NodeId.parse(fields[0]);
                Map<AppState, String> states = new EnumMap<>(AppState.class);
                for (int i = 1; i < fields.length; i++) {
                    int eq = fields[i].indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("field '" + fields[i] + "' (expected: KEY=value)");
                    }
                    states.put(AppState.valueOf(fields[i].substring(0, eq)), fields[i].substring(eq + 1));
                }
                if (StatusValue.tryParse(states.get(AppState.STATUS)) == null || !states.containsKey(AppState.ADDRESS)) {
                    throw new IllegalArgumentException("a member needs a STATUS and an ADDRESS");
                }
                members.add(new Member(node, 0, 0, states));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(path + " line " + lineNumber + ": " + e.getMessage()
                        + "; the file is written by the node itself: restore it, or remove it to have this node join"
                        + " the cluster afresh", e);
            }
        }
        return members;
    }

    /** The members' lines of {@code text}, once its checksum holds. */
    private String checkedBody(String text) {
        if (text.startsWith(LEGACY_HEADER)) {
            return text.substring(LEGACY_HEADER.length());
        }
        int newline = text.indexOf('\n');
        if (!text.startsWith(HEADER) || newline < 0) {
            throw corrupt("its first line is not the ring file's header");
        }
        String body = text.substring(newline + 1);
        String expected = text.substring(HEADER.length(), newline);
        String actual = crc(body);
        if (!actual.equals(expected)) {
            throw corrupt("checksum " + actual + " (expected: " + expected + ")");
        }
        return body;
    }

    private CorruptDataException corrupt(String problem) {
        return new CorruptDataException(path + " is damaged: " + problem + "; the file is written by the node itself:"
                + " restore it, or remove it to have this node join the cluster afresh");
    }

    private static String crc(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }

    /** Saves the members that own or gain ranges. */
    void save(List<Member> members) {
        StringBuilder text = new StringBuilder();
        for (Member m : members) {
            StatusValue status = m.status();
            if (status == null || status.status().isRetired() || m.get(AppState.ADDRESS) == null) {
                continue;
            }
            text.append(m.node());
            for (AppState key : AppState.values()) {
                String value = m.get(key);
                if (SAVED.contains(key) && value != null) {
                    text.append('\t').append(key.name()).append('=').append(value.replace('\t', ' ').replace('\n', ' '));
                }
            }
            text.append('\n');
        }
        String body = text.toString();
        try {
            DurableFiles.replace(path, (HEADER + crc(body) + "\n" + body).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }
}
