package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Settings;
import io.kvorum.core.VersionVector;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.testing.Tmpfs;
import io.kvorum.storage.Durability;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store on a volume that really runs out of space (a 16 MiB tmpfs): writes fail with a clear
 * error, the episode is logged once and shown in the store's health, nothing acknowledged is lost,
 * and once space is freed writes and flushes succeed again by themselves. Skipped where a tmpfs
 * cannot be mounted (not root).
 */
class LsmStoreDiskFullTest {
    private static final Actor ACTOR = new Actor(new NodeId(1), 0);
    private static Tmpfs volume;

    private Path dir;
    private Path filler;
    private Path topUp;
    private LsmStore store;
    private final List<Record> acknowledged = new ArrayList<>();
    private long counter;

    @BeforeAll
    static void mount() {
        Optional<Tmpfs> mounted = Tmpfs.mount("16m");
        assumeThat(mounted).as("a tmpfs can be mounted here (needs root)").isPresent();
        volume = mounted.get();
    }

    @AfterAll
    static void unmount() {
        if (volume != null) {
            volume.close();
        }
    }

    @BeforeEach
    void openStore() throws IOException {
        dir = Files.createDirectories(volume.dir().resolve("store"));
        filler = volume.dir().resolve("filler");
        topUp = volume.dir().resolve("top-up");
        store = open();
    }

    @AfterEach
    void closeStore() throws IOException {
        try {
            if (store != null) {
                store.close();
            }
        } finally {
            Files.deleteIfExists(filler);
            Files.deleteIfExists(topUp);
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private LsmStore open() {
        return LsmStore.builder(dir).options(LsmOptions.from(Settings.empty()
                        .with(LsmSettings.MEMTABLE_MAX_BYTES, 64L * 1024)
                        .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                        .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L)
                        // No compactions: what fills the volume is then only what the test writes.
                        .with(LsmSettings.COMPACTION_MIN_THRESHOLD, 64)
                        .with(LsmSettings.COMPACTION_MAX_THRESHOLD, 64)))
                .inlineBackgroundWork().open();
    }

    private Record next() {
        return Record.value(Key.of("key-" + counter), new Dot(ACTOR, ++counter), VersionVector.EMPTY, 1,
                new byte[1000]);
    }

    /** Writes until one fails, at most {@code max}; returns the failure. */
    private StorageException writeUntilFull(int max) {
        for (int i = 0; i < max; i++) {
            Record r = next();
            try {
                store.apply(r, Durability.PERIODIC);
                acknowledged.add(r);
            } catch (StorageException e) {
                return e;
            }
        }
        throw new AssertionError(max + " writes of 1 KB fit on a volume that should have had room for fewer");
    }

    private void assertEveryAcknowledgedWriteReads() {
        for (Record r : acknowledged) {
            assertThat(store.read(r.key())).as("acknowledged %s", r.key()).containsExactly(r);
        }
    }

    @Test
    void writesFailClearlyTheEpisodeIsLoggedOnceAndShownAndWritesResumeOnceSpaceIsFreed() throws IOException {
        try (LogCapture log = new LogCapture("io.kvorum.storage.lsm")) {
            volume.fill(filler, 1536 * 1024);

            StorageException first = writeUntilFull(20_000);
            assertThat(first).hasMessageContaining(dir.toString());
            assertThat(first.getMessage()).containsAnyOf("No space left on device", "disk is full",
                    "for want of space");
            // Leave nothing at all, so that no write can succeed and end the episode meanwhile.
            volume.fill(topUp, 0);
            int episodes = log.warningsContaining("Disk full").size();
            assertThat(episodes).isPositive();
            int failed = 0;
            for (int i = 0; i < 200; i++) {
                Record r = next();
                try {
                    store.apply(r, Durability.PERIODIC);
                    acknowledged.add(r);
                } catch (StorageException e) {
                    failed++;
                }
            }
            assertThat(failed).as("writes while the disk stays full").isPositive();
            assertThat(log.warningsContaining("Disk full")).as("no line per failed write").hasSize(episodes);
            assertThat(log.warningsContaining("Disk full").get(0)).contains(dir.toString()).contains("bytes free");
            StoreHealth health = store.health();
            assertThat(health.diskFull()).isPresent();
            assertThat(health.stopped()).as("a full disk does not stop the store").isEmpty();
            assertThat(health.describe(ZoneOffset.UTC)).matches("disk full: [0-9.]+ (B|KiB|MiB) free in "
                    + Pattern.quote(dir.toString()) + "\\S* since \\d\\d:\\d\\d:\\d\\d");
            assertEveryAcknowledgedWriteReads();

            Files.delete(filler);
            Files.delete(topUp);
            for (int i = 0; i < 200; i++) {
                Record r = next();
                store.apply(r, Durability.PERIODIC);
                acknowledged.add(r);
            }
            store.flush();

            assertThat(store.health().diskFull()).isEmpty();
            assertThat(store.health().isHealthy()).isTrue();
            assertThat(log.linesContaining("Disk space again")).isNotEmpty();
            assertThat(log.warningsContaining("Disk full")).hasSize(episodes);
            assertEveryAcknowledgedWriteReads();
            store.close();
            store = open();
            assertEveryAcknowledgedWriteReads();
        }
    }

    @Test
    void aFlushThatFailsForWantOfSpaceIsRetriedOnceSpaceIsFreedAndLosesNothing() throws IOException {
        // Fill the memtable without freezing it, then leave no room for its table.
        for (int i = 0; i < 40; i++) {
            Record r = next();
            store.apply(r, Durability.PERIODIC);
            acknowledged.add(r);
        }
        volume.fill(filler, 0);

        try {
            store.flush();
            throw new AssertionError("a flush with no space left succeeded");
        } catch (StorageException e) {
            assertThat(e.getMessage()).containsAnyOf("no space left", "No space left", "disk is full");
        }
        assertThat(store.health().diskFull()).isPresent();
        assertEveryAcknowledgedWriteReads();
        assertThat(store.stats().sstables()).isZero();

        Files.delete(filler);
        store.flush();

        assertThat(store.stats().sstables()).isEqualTo(1);
        assertThat(store.stats().pendingFlushes()).isZero();
        assertThat(store.health().diskFull()).isEmpty();
        store.close();
        store = open();
        assertEveryAcknowledgedWriteReads();
    }
}
