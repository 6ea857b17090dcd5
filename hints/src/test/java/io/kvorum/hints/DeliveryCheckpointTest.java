package io.kvorum.hints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.storage.lsm.CorruptionPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeliveryCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenPositionReadsBackAndNoFileMeansFromTheStart() {
        assertThat(DeliveryCheckpoint.read(dir, CorruptionPolicy.STOP)).isZero();
        DeliveryCheckpoint.write(dir, 7L << 32 | 4242);
        assertThat(DeliveryCheckpoint.read(dir, CorruptionPolicy.STOP)).isEqualTo(7L << 32 | 4242);
        DeliveryCheckpoint.write(dir, 9L << 32 | 32);
        assertThat(DeliveryCheckpoint.read(dir, CorruptionPolicy.STOP)).isEqualTo(9L << 32 | 32);
        assertThat(dir.resolve(DeliveryCheckpoint.FILE_NAME + ".tmp")).as("renamed into place").doesNotExist();
    }

    /** Every byte of the file: the magic, the version, the position and the checksum. */
    @ParameterizedTest
    @ValueSource(ints = {0, 7, 8, 11, 12, 19, 20, 23})
    void aFlippedByteAnywhereIsDamageStopRefusesAndSkipStartsOverNamingTheFile(int offset) throws IOException {
        DeliveryCheckpoint.write(dir, 3L << 32 | 100);
        Path file = dir.resolve(DeliveryCheckpoint.FILE_NAME);
        HintFixtures.flipByte(file, offset);

        assertThatThrownBy(() -> DeliveryCheckpoint.read(dir, CorruptionPolicy.STOP))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("checksum mismatch, at offset " + (offset < 8 ? "0" : offset < 12 ? "8" : "12..23"))
                .hasMessageContaining("hints.corruption_policy=skip_rest_of_segment");
        try (LogCapture logs = new LogCapture(DeliveryCheckpoint.class.getName())) {
            assertThat(DeliveryCheckpoint.read(dir, CorruptionPolicy.SKIP_REST_OF_SEGMENT)).isZero();
            assertThat(logs.warnings()).singleElement().satisfies(line -> assertThat(line)
                    .contains(file.toString()).contains("again from the first one kept"));
        }
    }

    @Test
    void aFileOfTheWrongLengthIsDamage() throws IOException {
        DeliveryCheckpoint.write(dir, 5);
        Path file = dir.resolve(DeliveryCheckpoint.FILE_NAME);
        HintFixtures.truncate(file, 10);
        assertThatThrownBy(() -> DeliveryCheckpoint.read(dir, CorruptionPolicy.STOP))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("10 bytes long, not 24");
        Files.write(file, new byte[30]);
        assertThat(DeliveryCheckpoint.read(dir, CorruptionPolicy.SKIP_REST_OF_SEGMENT)).isZero();
    }
}
