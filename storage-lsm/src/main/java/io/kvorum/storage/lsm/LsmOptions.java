package io.kvorum.storage.lsm;

import io.kvorum.core.Checks;
import io.kvorum.core.Settings;

/**
 * The storage engine's settings, read and validated once when a store opens. Built from
 * {@link Settings}, the node's config; tests and tools override single keys with
 * {@code Settings.empty().with(LsmSettings.MEMTABLE_MAX_BYTES, ...)}.
 */
public record LsmOptions(
        long maxKeyBytes,
        long maxValueBytes,
        long memtableMaxBytes,
        int maxPendingFlushes,
        long commitLogSegmentBytes,
        long commitLogSyncPeriodMs,
        CorruptionPolicy corruptionPolicy,
        long blockBytes,
        int bloomBitsPerKey,
        long blockCacheBytes,
        int maxOpenFiles,
        CompactionStrategy compactionStrategy,
        int compactionMinThreshold,
        int compactionMaxThreshold,
        long leveledTableBytes,
        long leveledLevel1Bytes,
        long compactionBytesPerSecond,
        long tombstoneGcGraceMs) {

    public LsmOptions {
        LsmSettings.MAX_KEY_BYTES.validate(maxKeyBytes);
        LsmSettings.MAX_VALUE_BYTES.validate(maxValueBytes);
        LsmSettings.MEMTABLE_MAX_BYTES.validate(memtableMaxBytes);
        LsmSettings.MAX_PENDING_FLUSHES.validate(maxPendingFlushes);
        LsmSettings.COMMITLOG_SEGMENT_BYTES.validate(commitLogSegmentBytes);
        LsmSettings.COMMITLOG_SYNC_PERIOD_MS.validate(commitLogSyncPeriodMs);
        Checks.require(corruptionPolicy != null, "corruptionPolicy", null, "a CorruptionPolicy");
        LsmSettings.SSTABLE_BLOCK_BYTES.validate(blockBytes);
        LsmSettings.BLOOM_BITS_PER_KEY.validate(bloomBitsPerKey);
        LsmSettings.BLOCK_CACHE_BYTES.validate(blockCacheBytes);
        LsmSettings.MAX_OPEN_FILES.validate(maxOpenFiles);
        LsmSettings.COMPACTION_STRATEGY.validate(compactionStrategy);
        LsmSettings.LEVELED_TABLE_BYTES.validate(leveledTableBytes);
        LsmSettings.LEVELED_LEVEL1_BYTES.validate(leveledLevel1Bytes);
        LsmSettings.COMPACTION_MIN_THRESHOLD.validate(compactionMinThreshold);
        LsmSettings.COMPACTION_MAX_THRESHOLD.validate(compactionMaxThreshold);
        LsmSettings.COMPACTION_THROUGHPUT_BYTES_PER_SECOND.validate(compactionBytesPerSecond);
        LsmSettings.TOMBSTONE_GC_GRACE_MS.validate(tombstoneGcGraceMs);
        Checks.require(compactionMaxThreshold >= compactionMinThreshold, LsmSettings.COMPACTION_MAX_THRESHOLD.key(),
                compactionMaxThreshold, ">= " + LsmSettings.COMPACTION_MIN_THRESHOLD.key() + " (" + compactionMinThreshold + ")");
    }

    public static LsmOptions defaults() {
        return from(Settings.empty());
    }

    public static LsmOptions from(Settings s) {
        return new LsmOptions(
                s.get(LsmSettings.MAX_KEY_BYTES),
                s.get(LsmSettings.MAX_VALUE_BYTES),
                s.get(LsmSettings.MEMTABLE_MAX_BYTES),
                s.get(LsmSettings.MAX_PENDING_FLUSHES),
                s.get(LsmSettings.COMMITLOG_SEGMENT_BYTES),
                s.get(LsmSettings.COMMITLOG_SYNC_PERIOD_MS),
                s.get(LsmSettings.COMMITLOG_CORRUPTION_POLICY),
                s.get(LsmSettings.SSTABLE_BLOCK_BYTES),
                s.get(LsmSettings.BLOOM_BITS_PER_KEY),
                s.get(LsmSettings.BLOCK_CACHE_BYTES),
                s.get(LsmSettings.MAX_OPEN_FILES),
                s.get(LsmSettings.COMPACTION_STRATEGY),
                s.get(LsmSettings.COMPACTION_MIN_THRESHOLD),
                s.get(LsmSettings.COMPACTION_MAX_THRESHOLD),
                s.get(LsmSettings.LEVELED_TABLE_BYTES),
                s.get(LsmSettings.LEVELED_LEVEL1_BYTES),
                s.get(LsmSettings.COMPACTION_THROUGHPUT_BYTES_PER_SECOND),
                s.get(LsmSettings.TOMBSTONE_GC_GRACE_MS));
    }
}
