package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.testing.Tmpfs;
import io.kvorum.storage.Durability;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The commit-log segment size on a small volume: the configured size where eight segments fit, a
 * smaller one where they do not (a default store starts on a 48 MiB tmpfs, saying so once), and a
 * one-line refusal naming the setting and the free space where not even 1 MiB segments fit.
 */
class SegmentSizeTest {
    private static final long MIB = 1 << 20;
    private static Tmpfs small;
    private static Tmpfs tiny;

    @BeforeAll
    static void mount() {
        Optional<Tmpfs> s = Tmpfs.mount("48m");
        Optional<Tmpfs> t = Tmpfs.mount("4m");
        small = s.orElse(null);
        tiny = t.orElse(null);
    }

    @AfterAll
    static void unmount() {
        for (Tmpfs v : new Tmpfs[] {small, tiny}) {
            if (v != null) {
                v.close();
            }
        }
    }

    @Test
    void theConfiguredSizeStaysWhereEightFitAndShrinksToWholeMibWhereTheyDoNot() {
        Path dir = Path.of("/data/commitlog");
        assertThat(SegmentSize.choose(32 * MIB, 256 * MIB, dir)).isEqualTo(32 * MIB);
        assertThat(SegmentSize.choose(32 * MIB, 100L << 30, dir)).isEqualTo(32 * MIB);
        assertThat(SegmentSize.choose(32 * MIB, 256 * MIB - 1, dir)).isEqualTo(31 * MIB);
        assertThat(SegmentSize.choose(32 * MIB, 48 * MIB, dir)).isEqualTo(6 * MIB);
        assertThat(SegmentSize.choose(3 * MIB, 48 * MIB, dir)).as("already small enough").isEqualTo(3 * MIB);
        assertThat(SegmentSize.choose(32 * MIB, 8 * MIB, dir)).isEqualTo(MIB);
    }

    @Test
    void tooLittleSpaceForEvenTheSmallestSegmentsIsOneLineNamingTheSettingAndTheFreeSpace() {
        assertThatThrownBy(() -> SegmentSize.choose(32 * MIB, 8 * MIB - 1, Path.of("/data/commitlog")))
                .isInstanceOf(StorageException.class)
                .hasMessage("storage.commitlog_segment_bytes: the commit log's volume (/data/commitlog) has 8.0 MiB"
                        + " free, too little for 8 segments of even the smallest size, 1.0 MiB; free space there or"
                        + " put the data directory (node.data_dir) on a volume with at least 8.0 MiB free");
    }

    @Test
    void aStoreWithDefaultSegmentsStartsOnA48MibVolumeWithSmallerOnesSayingSoOnce() throws IOException {
        assumeThat(small).as("a tmpfs can be mounted here (needs root)").isNotNull();
        Path dir = small.dir().resolve("store");
        try (LogCapture log = new LogCapture("io.kvorum.storage.lsm")) {
            long segment;
            try (LsmStore store = LsmStore.builder(dir).options(LsmOptions.defaults()).inlineBackgroundWork()
                    .open()) {
                Record r = Record.value(Key.of("k"), new Dot(new Actor(new NodeId(1), 0), 1), VersionVector.EMPTY,
                        1, "v".getBytes());
                store.apply(r, Durability.DURABLE);
                store.flush();
                assertThat(store.read(r.key())).containsExactly(r);
                segment = segmentFileBytes(dir);
            }
            assertThat(segment).as("a segment file").isLessThan(32 * MIB).isGreaterThanOrEqualTo(MIB)
                    .isEqualTo(segment / MIB * MIB);
            assertThat(log.warningsContaining("storage.commitlog_segment_bytes")).hasSize(1);
            assertThat(log.warningsContaining("storage.commitlog_segment_bytes").get(0))
                    .contains("is 32.0 MiB but the commit log's volume").contains(dir.toString())
                    .contains("using " + segment / MIB + ".0 MiB segments instead")
                    .contains("storage.commitlog_segment_bytes=" + segment / MIB + "MiB");
        }
    }

    @Test
    void aStoreOnAVolumeTooSmallForAnySegmentsRefusesToStartInOneLine() throws IOException {
        assumeThat(tiny).as("a tmpfs can be mounted here (needs root)").isNotNull();
        Path dir = tiny.dir().resolve("store");
        assertThatThrownBy(() -> LsmStore.builder(dir).options(LsmOptions.defaults()).inlineBackgroundWork().open())
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("storage.commitlog_segment_bytes: the commit log's volume (" + dir
                        + "/commitlog) has ")
                .hasMessageContaining("MiB free, too little for 8 segments")
                .hasMessageNotContaining("\n");
        // Nothing left behind that a later start on a larger volume would trip over.
        try (Stream<Path> files = Files.list(dir.resolve("commitlog"))) {
            assertThat(files).isEmpty();
        }
    }

    private static long segmentFileBytes(Path storeDir) throws IOException {
        try (Stream<Path> files = Files.list(storeDir.resolve(LsmStore.COMMITLOG_DIR))) {
            return files.mapToLong(p -> p.toFile().length()).max().orElseThrow();
        }
    }
}
