package io.kvorum.storage.lsm;

import java.util.List;

/**
 * Decides what to compact, as a pure function of the tables: the strategy of
 * {@code storage.compaction_strategy}.
 */
interface CompactionPicker {

    /** Tables to merge, the level their output goes to, and the size at which output is split. */
    record Compaction<T>(List<T> inputs, int outputLevel, long maxOutputBytes) {
    }

    /** The next compaction due, or null when none is. */
    <T extends TableInfo> Compaction<T> next(List<T> tables);

    /** A compaction of every table (a major compaction), or null when there are none. */
    <T extends TableInfo> Compaction<T> major(List<T> tables);

    static CompactionPicker of(LsmOptions o) {
        return switch (o.compactionStrategy()) {
            case SIZE_TIERED -> new SizeTieredPicker(o.compactionMinThreshold(), o.compactionMaxThreshold(),
                    o.maxOpenFiles());
            case LEVELED -> new LeveledPicker(o.compactionMinThreshold(), o.leveledLevel1Bytes(),
                    o.leveledTableBytes(), o.maxOpenFiles());
        };
    }
}
