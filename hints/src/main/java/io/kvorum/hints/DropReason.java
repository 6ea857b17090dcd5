package io.kvorum.hints;

/** Why the store refused a hint, or removed hints before their delivery. */
public enum DropReason {
    /** The target's undelivered hints were at {@code hints.max_bytes_per_target}. */
    TARGET_BYTES,
    /** The undelivered hints of all targets were at {@code hints.max_bytes_total}. */
    TOTAL_BYTES,
    /** The target had gone longer than {@code hints.window_ms} without taking its hints. */
    WINDOW,
    /** An operator truncated the target's hints. */
    TRUNCATED
}
