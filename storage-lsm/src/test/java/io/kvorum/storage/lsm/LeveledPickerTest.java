package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeveledPickerTest {
    private static final long MIB = 1024 * 1024;

    /** A table over keys {@code "k" + first} to {@code "k" + last}, ordered by the keys' tokens as tests need. */
    record T(long generation, int level, long sizeBytes, Key firstKey, Key lastKey) implements TableInfo {
    }

    private static final List<Key> SORTED = sortedKeys();

    private static List<Key> sortedKeys() {
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            keys.add(Key.of("k" + i));
        }
        keys.sort(null);
        return keys;
    }

    /** A table covering the keys of storage-order positions [from, to]. */
    private static T table(long generation, int level, long bytes, int from, int to) {
        return new T(generation, level, bytes, SORTED.get(from), SORTED.get(to));
    }

    private final LeveledPicker picker = new LeveledPicker(4, 10 * MIB, 2 * MIB, 1024);

    @Test
    void levelZeroBelowItsTriggerWaits() {
        assertThat(picker.next(List.of(table(1, 0, MIB, 0, 99), table(2, 0, MIB, 0, 99)))).isNull();
    }

    @Test
    void aFullLevelZeroMergesWithTheLevelOneTablesItOverlaps() {
        List<T> tables = List.of(
                table(1, 0, MIB, 10, 20), table(2, 0, MIB, 15, 30), table(3, 0, MIB, 12, 18), table(4, 0, MIB, 25, 28),
                table(5, 1, 2 * MIB, 0, 9), table(6, 1, 2 * MIB, 10, 19), table(7, 1, 2 * MIB, 20, 40),
                table(8, 1, 2 * MIB, 41, 99));
        CompactionPicker.Compaction<T> c = picker.next(tables);
        assertThat(c.inputs()).extracting(T::generation).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 6L, 7L);
        assertThat(c.outputLevel()).isEqualTo(1);
        assertThat(c.maxOutputBytes()).isEqualTo(2 * MIB);
    }

    @Test
    void aLevelOverItsSizeSendsItsOldestTableDownWithWhatItOverlaps() {
        List<T> tables = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // 12 MiB in level 1, over its 10 MiB
            tables.add(table(10 + i, 1, 2 * MIB, i * 10, i * 10 + 9));
        }
        tables.add(table(30, 2, 2 * MIB, 0, 4));
        tables.add(table(31, 2, 2 * MIB, 5, 14));
        tables.add(table(32, 2, 2 * MIB, 15, 60));
        CompactionPicker.Compaction<T> c = picker.next(tables);
        assertThat(c.inputs()).extracting(T::generation).containsExactlyInAnyOrder(10L, 30L, 31L);
        assertThat(c.outputLevel()).isEqualTo(2);
    }

    @Test
    void levelsGrowTenfoldAndWithinSizeNothingIsDue() {
        assertThat(picker.maxBytes(1)).isEqualTo(10 * MIB);
        assertThat(picker.maxBytes(3)).isEqualTo(1000 * MIB);
        List<T> tables = List.of(table(1, 1, 5 * MIB, 0, 49), table(2, 1, 5 * MIB, 50, 99),
                table(3, 2, 90 * MIB, 0, 99));
        assertThat(picker.next(tables)).isNull();
    }

    @Test
    void nearTheOpenFileLimitLevelZeroMergesBeforeItsTrigger() {
        LeveledPicker tight = new LeveledPicker(4, 10 * MIB, 2 * MIB, 16);
        List<T> tables = new ArrayList<>();
        tables.add(table(1, 0, MIB, 0, 5));
        for (int i = 0; i < 11; i++) {
            tables.add(table(10 + i, 1, MIB / 2, i * 9, i * 9 + 8));
        }
        CompactionPicker.Compaction<T> c = tight.next(tables);
        assertThat(c.inputs()).extracting(T::generation).contains(1L, 10L);
        assertThat(c.outputLevel()).isEqualTo(1);
    }

    @Test
    void aMajorCompactionTakesEverythingToTheDeepestLevel() {
        List<T> tables = List.of(table(1, 0, MIB, 0, 99), table(2, 3, MIB, 0, 99));
        CompactionPicker.Compaction<T> c = picker.major(tables);
        assertThat(c.inputs()).hasSize(2);
        assertThat(c.outputLevel()).isEqualTo(3);
        assertThat(picker.major(List.<T>of())).isNull();
    }
}
