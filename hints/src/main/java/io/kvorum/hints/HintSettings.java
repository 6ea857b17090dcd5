package io.kvorum.hints;

import io.kvorum.core.Setting;
import io.kvorum.storage.lsm.CorruptionPolicy;
import java.util.List;

/**
 * The hint store's configuration keys, defaults and bounds; {@link HintOptions} reads them once when
 * the store opens. The three bounds are Cassandra's (bytes per target, bytes in all, and
 * {@code max_hint_window}, whose 3-hour default is taken here): past any of them new hints are
 * dropped and counted, and repair heals what they would have carried.
 */
public final class HintSettings {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long GIB = 1024 * MIB;

    private HintSettings() {
    }

    public static final Setting<Long> MAX_BYTES_PER_TARGET = Setting.bytes("hints.max_bytes_per_target", 256 * MIB,
            4 * KIB, 1024 * GIB,
            "Disk the undelivered hints for one node may take (each hint is charged its entry and its share of"
                    + " sync markers). Past it, new hints for that node are dropped and counted.");

    public static final Setting<Long> MAX_BYTES_TOTAL = Setting.bytes("hints.max_bytes_total", 1 * GIB, 4 * KIB,
            16 * 1024 * GIB,
            "Disk the undelivered hints for all nodes together may take. Past it, new hints are dropped and"
                    + " counted. Each node with hints also holds up to three segments beyond this.");

    public static final Setting<Long> WINDOW_MS = Setting.millis("hints.window_ms", 3 * 3600 * 1000L, 1,
            30L * 24 * 3600 * 1000,
            "How long a node may go without taking its hints and still get new ones: once its oldest"
                    + " undelivered hint is older than this, new hints for it are dropped and counted, and"
                    + " repair must heal it. Must be below storage.tombstone_gc_grace_ms: a hint older than that"
                    + " is dropped when its node comes back, not delivered.");

    public static final Setting<Long> SEGMENT_BYTES = Setting.bytes("hints.segment_bytes", 8 * MIB, 4 * KIB, 1 * GIB,
            "Size of each hint segment file, preallocated. A segment is deleted once every hint in it is"
                    + " delivered or dropped.");

    public static final Setting<Long> SYNC_PERIOD_MS = Setting.millis("hints.sync_period_ms", 1000, 1, 60_000,
            "How often hints of writes that did not ask to be durable are fsynced. A power loss can lose up"
                    + " to this much of them; a process crash loses none.");

    /**
     * Skipping is the default here, unlike the commit log's: a hint is a copy of a write that other
     * replicas hold too and repair can bring back, so damage to one is no reason to keep a node down.
     */
    public static final Setting<CorruptionPolicy> CORRUPTION_POLICY = Setting.enumeration("hints.corruption_policy",
            CorruptionPolicy.class, CorruptionPolicy.SKIP_REST_OF_SEGMENT,
            "What to do at start with a hint segment or delivery checkpoint damaged before its last fsynced"
                    + " point: skip_rest_of_segment (log the file and offset, drop the rest of that segment or"
                    + " deliver the node's hints again from the first one kept) or stop (refuse to start, keep"
                    + " every file for inspection). A torn tail is always cut.");

    /** Every hint setting, for validation of a config file and for documentation. */
    public static final List<Setting<?>> ALL = List.of(MAX_BYTES_PER_TARGET, MAX_BYTES_TOTAL, WINDOW_MS, SEGMENT_BYTES,
            SYNC_PERIOD_MS, CORRUPTION_POLICY);
}
