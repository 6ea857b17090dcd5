package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.CorruptDataException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationFileTest {
    @TempDir
    Path dir;

    @Test
    void aFirstRunTakesItsStartTime() {
        assertThat(GenerationFile.next(dir, 1_000_000)).isEqualTo(1_000_000);
    }

    @Test
    void aRunWithItsClockBehindStillTakesAHigherGenerationThanTheLastRun() {
        long first = GenerationFile.next(dir, 5_000_000);
        long behind = GenerationFile.next(dir, 5_000_000 - 3_600_000);
        assertThat(behind).isGreaterThan(first);
        assertThat(GenerationFile.next(dir, 9_000_000)).isEqualTo(9_000_000);
    }

    @Test
    void aDamagedFileIsCorruptData() throws Exception {
        Files.writeString(dir.resolve(GenerationFile.NAME), "x1");
        assertThatThrownBy(() -> GenerationFile.next(dir, 1)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(GenerationFile.NAME);
    }
}
