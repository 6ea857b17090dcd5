package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {
    @TempDir
    Path dir;

    private final RandomSource random = RandomSource.seeded(3);

    @Test
    void aNewDataDirectoryGetsANewNodeAtEpochZero() {
        NodeIdentity id = NodeIdentity.open(dir, random);
        assertThat(id.isNew()).isTrue();
        assertThat(id.actor().epoch()).isZero();
        assertThat(id.actor().node()).isEqualTo(id.nodeId());
        assertThat(id.nextDot().counter()).isEqualTo(1);
        id.close();

        NodeIdentity other = NodeIdentity.open(dir.resolve("elsewhere"), random);
        assertThat(other.nodeId()).isNotEqualTo(id.nodeId());
        other.close();
    }

    @Test
    void aCleanRestartKeepsNodeAndEpochAndNeverRepeatsACounter() {
        NodeIdentity first = NodeIdentity.open(dir, random);
        Dot last = null;
        for (int i = 0; i < 10; i++) {
            last = first.nextDot();
        }
        first.close();
        assertThatThrownBy(first::nextDot).isInstanceOf(IllegalStateException.class);

        NodeIdentity second = NodeIdentity.open(dir, random);
        assertThat(second.isNew()).isFalse();
        assertThat(second.startedClean()).isTrue();
        assertThat(second.actor()).isEqualTo(first.actor());
        assertThat(second.nextDot().counter()).isGreaterThan(last.counter());
        second.close();
    }

    @Test
    void aStartAfterACrashBeginsANewEpochAfterEveryReservedCounter() {
        NodeIdentity first = NodeIdentity.open(dir, random);
        Dot last = first.nextDot();
        // No close: the process died.
        NodeIdentity second = NodeIdentity.open(dir, random);
        assertThat(second.startedClean()).isFalse();
        assertThat(second.nodeId()).isEqualTo(first.nodeId());
        assertThat(second.actor().epoch()).isEqualTo(first.actor().epoch() + 1);
        assertThat(second.nextDot().counter()).isGreaterThan(last.counter() + NodeIdentity.RESERVATION_BLOCK - 1);
        second.close();
    }

    @Test
    void countersBeyondAReservationAreReservedBeforeTheyAreHandedOut() {
        NodeIdentity first = NodeIdentity.open(dir, random);
        long issued = 0;
        for (long i = 0; i < NodeIdentity.RESERVATION_BLOCK + 5; i++) {
            issued = first.nextDot().counter();
        }
        NodeIdentity afterCrash = NodeIdentity.open(dir, random);
        assertThat(afterCrash.nextDot().counter()).isGreaterThan(issued);
        afterCrash.close();
    }

    @Test
    void aDamagedIdentityStopsTheStartAndIsLeftAsItWas() throws IOException {
        NodeIdentity.open(dir, random).close();
        Path file = dir.resolve(NodeIdentity.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[7] ^= 0x10;
        Files.write(file, bytes);
        assertThatThrownBy(() -> NodeIdentity.open(dir, random))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("refusing to start");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);

        Files.write(file, new byte[3]);
        assertThatThrownBy(() -> NodeIdentity.open(dir, random)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("3 bytes");
    }
}
