package io.kvorum.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The load a node reports in gossip: bytes of SSTables under the storage directory. The commit
 * log is left out: its segments are preallocated at full size, and what they hold reaches the
 * tables at the next flush.
 */
final class DataSize {
    private DataSize() {
    }

    static final String TABLE_SUFFIX = ".sst";

    /** The total size; files that vanish while it is counted (compaction) count as nothing. */
    static long of(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.mapToLong(DataSize::sizeOrZero).sum();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private static long sizeOrZero(Path p) {
        try {
            return p.getFileName().toString().endsWith(TABLE_SUFFIX) && Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
