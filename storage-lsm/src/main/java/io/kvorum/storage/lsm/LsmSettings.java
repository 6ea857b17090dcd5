package io.kvorum.storage.lsm;

import io.kvorum.core.Setting;
import io.kvorum.storage.RecordLimits;
import java.util.List;

/**
 * The storage engine's configuration keys, their defaults and their bounds. Every limit the engine
 * enforces is one of these; {@link LsmOptions} reads them once when a store opens.
 */
public final class LsmSettings {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long GIB = 1024 * MIB;

    private LsmSettings() {
    }

    public static final Setting<Long> MAX_KEY_BYTES = RecordLimits.MAX_KEY_BYTES;

    public static final Setting<Long> MAX_VALUE_BYTES = RecordLimits.MAX_VALUE_BYTES;

    public static final Setting<Long> MEMTABLE_MAX_BYTES = Setting.bytes("storage.memtable_max_bytes", 64 * MIB,
            64 * KIB, 16 * GIB,
            "Heap a memtable may use before it is frozen and flushed to an SSTable in the background.");

    public static final Setting<Integer> MAX_PENDING_FLUSHES = Setting.integer("storage.memtable_max_pending_flushes",
            2, 1, 16,
            "Frozen memtables that may wait for their flush. Beyond this, writers block until a flush ends"
                    + " (back-pressure instead of running out of heap).");

    /** The smallest commit-log segment the setting allows, and the smallest a small volume adapts it to. */
    static final long MIN_COMMITLOG_SEGMENT_BYTES = 1 * MIB;

    public static final Setting<Long> COMMITLOG_SEGMENT_BYTES = Setting.bytes("storage.commitlog_segment_bytes",
            32 * MIB, MIN_COMMITLOG_SEGMENT_BYTES, 1 * GIB,
            "Size of each commit log segment file. A segment is deleted once every memtable holding its"
                    + " writes has been flushed. On a volume with less than 8 times this free the store uses"
                    + " smaller segments (logged), and refuses to start below 8 MiB free.");

    public static final Setting<Long> COMMITLOG_SYNC_PERIOD_MS = Setting.millis("storage.commitlog_sync_period_ms",
            1000, 1, 60_000,
            "How often writes that did not ask to be durable are fsynced. A power loss can lose up to this"
                    + " much of them; a process crash loses none.");

    public static final Setting<CorruptionPolicy> COMMITLOG_CORRUPTION_POLICY = Setting.enumeration(
            "storage.commitlog_corruption_policy", CorruptionPolicy.class, CorruptionPolicy.STOP,
            "What to do when replay finds a damaged entry before the last fsynced point: stop (refuse to"
                    + " start, keep every file for inspection) or skip_rest_of_segment (log and continue,"
                    + " losing the rest of that segment).");

    public static final Setting<Long> SSTABLE_BLOCK_BYTES = Setting.bytes("storage.sstable_block_bytes", 16 * KIB,
            1 * KIB, 1 * MIB,
            "Target size of an SSTable data block, the unit of disk reads and of the block cache.");

    public static final Setting<Integer> BLOOM_BITS_PER_KEY = Setting.integer("storage.bloom_bits_per_key", 10, 2, 30,
            "Bloom filter bits per key: 10 gives about 1% false positives, each costing a block read.");

    public static final Setting<Long> BLOCK_CACHE_BYTES = Setting.bytes("storage.block_cache_bytes", 128 * MIB, 0,
            1024 * GIB, "Heap for caching decoded SSTable data blocks (0 disables the cache).");

    public static final Setting<Integer> MAX_OPEN_FILES = Setting.integer("storage.max_open_files", 1024, 16,
            1_000_000,
            "Most SSTables the store keeps open; each holds a memory mapping of its data and its index and Bloom"
                    + " filter on the heap, and every point read checks each filter. Near the limit compaction"
                    + " merges the smallest tables first; at the limit flushes wait for it, which slows writes"
                    + " instead of failing them.");

    public static final Setting<CompactionStrategy> COMPACTION_STRATEGY = Setting.enumeration(
            "storage.compaction_strategy", CompactionStrategy.class, CompactionStrategy.SIZE_TIERED,
            "size_tiered (merge tables of similar size: cheapest writes) or leveled (levels of disjoint tables,"
                    + " each ten times the last: fewer tables per read, less space, more rewriting).");

    public static final Setting<Integer> COMPACTION_MIN_THRESHOLD = Setting.integer("storage.compaction_min_threshold",
            4, 2, 64, "Size-tiered: a tier is merged once it holds this many similar-sized SSTables. Leveled: level 0"
                    + " is merged into level 1 once it holds this many flushed SSTables.");

    public static final Setting<Integer> COMPACTION_MAX_THRESHOLD = Setting.integer("storage.compaction_max_threshold",
            32, 2, 1024, "Most SSTables merged by one compaction.");

    public static final Setting<Long> LEVELED_TABLE_BYTES = Setting.bytes("storage.leveled_table_bytes", 64 * MIB,
            64 * KIB, 4 * GIB, "Leveled: the size at which compaction output is split into a new SSTable.");

    public static final Setting<Long> LEVELED_LEVEL1_BYTES = Setting.bytes("storage.leveled_level1_bytes", 256 * MIB,
            64 * KIB, 1024 * GIB, "Leveled: the bytes level 1 may hold; each deeper level holds ten times more.");

    public static final Setting<Long> COMPACTION_THROUGHPUT_BYTES_PER_SECOND = Setting.bytes(
            "storage.compaction_throughput_bytes_per_second", 64 * MIB, 0, 1024 * GIB,
            "Cap on the rate compaction writes, so it does not starve foreground I/O (0 = unlimited).");

    public static final Setting<Long> TOMBSTONE_GC_GRACE_MS = Setting.millis("storage.tombstone_gc_grace_ms",
            10L * 24 * 3600 * 1000, 0, 365L * 24 * 3600 * 1000,
            "How long a delete's tombstone is kept. It must outlast the time a replica may stay out of"
                    + " sync (a repair must run within it), or a stale replica can resurrect deleted data.");

    /** Every storage setting, for validation of a config file and for documentation. */
    public static final List<Setting<?>> ALL = List.of(MAX_KEY_BYTES, MAX_VALUE_BYTES, MEMTABLE_MAX_BYTES,
            MAX_PENDING_FLUSHES, COMMITLOG_SEGMENT_BYTES, COMMITLOG_SYNC_PERIOD_MS, COMMITLOG_CORRUPTION_POLICY,
            SSTABLE_BLOCK_BYTES, BLOOM_BITS_PER_KEY, BLOCK_CACHE_BYTES, MAX_OPEN_FILES, COMPACTION_STRATEGY,
            COMPACTION_MIN_THRESHOLD, COMPACTION_MAX_THRESHOLD, LEVELED_TABLE_BYTES, LEVELED_LEVEL1_BYTES,
            COMPACTION_THROUGHPUT_BYTES_PER_SECOND, TOMBSTONE_GC_GRACE_MS);
}
