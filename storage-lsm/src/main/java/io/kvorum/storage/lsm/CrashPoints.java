package io.kvorum.storage.lsm;

/**
 * Named instants inside flush, compaction and cleanup where crash tests stop the store, to prove that a
 * crash there loses and duplicates nothing. Production uses {@link #NONE}.
 */
interface CrashPoints {
    CrashPoints NONE = point -> { };

    /** After a flushed table is durable under its name, before the commit log is trimmed. */
    String FLUSH_TABLE_WRITTEN = "flush:table-written";
    /** After a compaction's outputs are durable under their names, before it commits. */
    String COMPACTION_OUTPUT_WRITTEN = "compaction:output-written";
    /** After a compaction has committed, before its inputs are deleted. */
    String COMPACTION_COMMITTED = "compaction:committed";
    /** After a cleanup's rewrite of one table is durable (or found empty), before it commits. */
    String CLEANUP_OUTPUT_WRITTEN = "cleanup:output-written";
    /** After a cleanup's rewrite of one table has committed, before the old table is deleted. */
    String CLEANUP_COMMITTED = "cleanup:committed";
    /**
     * After a cleanup has replaced one table and released the compaction lock, before the next
     * table. Tests also use it to run a compaction in the middle of a cleanup.
     */
    String CLEANUP_TABLE_DONE = "cleanup:table-done";

    /**
     * Called at each point. A test's implementation throws an {@link Error} to simulate the crash:
     * an error, not an exception, so that no in-process clean-up runs, as none would in a crash.
     */
    void reached(String point);
}
