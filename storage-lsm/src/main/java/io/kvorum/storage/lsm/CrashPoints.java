package io.kvorum.storage.lsm;

/**
 * Named instants inside flush and compaction where crash tests stop the store, to prove that a
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

    /**
     * Called at each point. A test's implementation throws an {@link Error} to simulate the crash:
     * an error, not an exception, so that no in-process clean-up runs, as none would in a crash.
     */
    void reached(String point);
}
