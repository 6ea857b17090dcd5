package io.kvorum.storage.lsm;

/**
 * What commit-log replay does with a damaged entry that lies before the last fsynced point, and
 * so cannot be the torn tail of a crash: the disk or something else altered acknowledged data.
 * (A damaged tail after the last sync is always truncated, with a warning.)
 */
public enum CorruptionPolicy {
    /** Refuse to open the store; every file is left as it was for inspection. The default. */
    STOP,
    /** Log the damage and skip the rest of that segment, losing its later entries, then go on. */
    SKIP_REST_OF_SEGMENT
}
