package io.kvorum.storage.lsm;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What an operator must know about a store that is not working as it should, for
 * {@code kvorum-admin status}: the node publishes {@link #describe} in gossip so that every node's
 * status shows every member's problem.
 *
 * @param stopped       why the store stopped (it refuses every request until restarted), or empty
 * @param diskFull      the running full-disk episode, if any
 * @param damagedBlocks data blocks found damaged in the current tables
 * @param damagedTables tables holding them
 */
public record StoreHealth(String stopped, Optional<DiskFull> diskFull, int damagedBlocks, int damagedTables) {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    /**
     * @param dir         where the write that began the episode failed
     * @param freeBytes   free there now, -1 when the volume cannot say
     * @param sinceMillis when that write failed
     */
    public record DiskFull(Path dir, long freeBytes, long sinceMillis) {
        public DiskFull {
            Objects.requireNonNull(dir, "dir");
        }
    }

    public StoreHealth {
        Objects.requireNonNull(stopped, "stopped");
        Objects.requireNonNull(diskFull, "diskFull");
    }

    public boolean isHealthy() {
        return stopped.isEmpty() && diskFull.isEmpty() && damagedBlocks == 0;
    }

    /**
     * One line, empty when healthy: for instance {@code disk full: 0 B free in /data/storage/sstables
     * since 12:03:04; corrupt blocks: 2 in 1 table}, times in {@code zone}.
     */
    public String describe(ZoneId zone) {
        List<String> parts = new ArrayList<>(3);
        if (!stopped.isEmpty()) {
            parts.add("stopped: " + stopped);
        }
        diskFull.ifPresent(f -> parts.add("disk full: " + (f.freeBytes() < 0 ? "?" : bytes(f.freeBytes()))
                + " free in " + f.dir() + " since " + TIME.format(Instant.ofEpochMilli(f.sinceMillis()).atZone(zone))));
        if (damagedBlocks > 0) {
            parts.add("corrupt blocks: " + damagedBlocks + " in " + damagedTables + (damagedTables == 1 ? " table"
                    : " tables"));
        }
        return String.join("; ", parts);
    }

    static String bytes(long n) {
        return io.kvorum.core.ByteSizes.human(n);
    }
}
