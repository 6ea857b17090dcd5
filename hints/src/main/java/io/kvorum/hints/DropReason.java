package io.kvorum.hints;

/** Why the store refused a hint, or removed hints before their delivery. */
public enum DropReason {
    /** The target's undelivered hints were at {@code hints.max_bytes_per_target}. */
    TARGET_BYTES,
    /** The undelivered hints of all targets were at {@code hints.max_bytes_total}. */
    TOTAL_BYTES,
    /** The target had gone longer than {@code hints.window_ms} without taking its hints. */
    WINDOW,
    /**
     * The hint was older than {@code storage.tombstone_gc_grace_ms} when its target came back: a delete
     * that superseded it may have been purged there, so delivering it could resurrect the value.
     */
    EXPIRED,
    /** An operator truncated the target's hints. */
    TRUNCATED
}
