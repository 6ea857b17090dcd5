package io.kvorum.node;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * This node's gossip generation, kept so that every run's is higher than the last run's.
 *
 * <p>Peers keep a member's state only from its highest generation: a run with a lower one is
 * taken for a stale message and refused. The start time in milliseconds is a fine generation while
 * clocks move forward, but a node restarted with its clock an hour behind had its gossip refused by
 * every peer. So a run takes the start time or one more than the last run's, whichever is higher,
 * and saves it (durably) before gossiping with it.
 */
final class GenerationFile {
    static final String NAME = "gossip-generation";

    private GenerationFile() {
    }

    /** The generation for this run, saved for the next one. */
    static long next(Path dataDir, long nowMillis) {
        Path path = dataDir.resolve(NAME);
        long last = read(path);
        long generation = Math.max(nowMillis, Math.addExact(last, 1));
        try {
            DurableFiles.replace(path, (generation + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
        return generation;
    }

    private static long read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw new NumberFormatException("negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new CorruptDataException(path + " is damaged: '" + text + "' (expected: the last run's gossip"
                    + " generation, a non-negative integer); it is written by the node itself: remove it and the node"
                    + " takes its start time");
        }
    }
}
