package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SizeTieredPickerTest {
    private static final long MIB = 1024 * 1024;
    private final SizeTieredPicker picker = new SizeTieredPicker(4, 32, 1024);

    private List<Long> pick(Long... sizes) {
        return picker.pick(List.of(sizes), Long::longValue);
    }

    @Test
    void nothingIsDueBelowTheMinimumThreshold() {
        assertThat(pick(10 * MIB, 11 * MIB, 12 * MIB)).isEmpty();
    }

    @Test
    void smallFreshFlushesFormOneTier() {
        assertThat(pick(1 * MIB, 9 * MIB, 30 * MIB, 2 * MIB)).containsExactly(1 * MIB, 2 * MIB, 9 * MIB, 30 * MIB);
    }

    @Test
    void onlyTablesOfSimilarSizeAreMergedTogether() {
        List<Long> picked = pick(100 * MIB, 110 * MIB, 120 * MIB, 130 * MIB, 1000 * MIB, 1100 * MIB, 1200 * MIB);
        assertThat(picked).containsExactly(100 * MIB, 110 * MIB, 120 * MIB, 130 * MIB);
    }

    @Test
    void theSmallestDueTierGoesFirstAndAtMostMaxThresholdTables() {
        SizeTieredPicker narrow = new SizeTieredPicker(2, 3, 1024);
        List<Long> picked = narrow.pick(List.of(400 * MIB, 410 * MIB, 100 * MIB, 101 * MIB, 102 * MIB, 103 * MIB),
                Long::longValue);
        assertThat(picked).containsExactly(100 * MIB, 101 * MIB, 102 * MIB);
    }

    @Test
    void nearTheOpenFileLimitTheSmallestTablesMergeWhateverTheirTier() {
        SizeTieredPicker tight = new SizeTieredPicker(2, 3, 16);
        Long[] sizes = new Long[12];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = 100 * MIB << (2 * i); // every table in a tier of its own
        }
        assertThat(tight.pick(List.of(sizes), Long::longValue)).containsExactly(100 * MIB, 400 * MIB, 1600 * MIB);
        assertThat(picker.pick(List.of(sizes), Long::longValue)).isEmpty();
    }
}
