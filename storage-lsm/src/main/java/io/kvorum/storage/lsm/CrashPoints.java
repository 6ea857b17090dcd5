package io.kvorum.storage.lsm;

/**
 * Named instants inside flush and compaction where crash tests stop the store, to prove that a
 * crash there loses and duplicates nothing. Production uses {@link #NONE}.
 */
interface CrashPoints {
    CrashPoints NONE = point -> { };

    /** After a flushed table is durable under its name, before the commit log is trimmed. */
    String FLUSH_TABLE_WRITTEN = "flush:table-written";
    /** After a compaction's output is durable under its name, before its inputs are deleted. */
    String COMPACTION_OUTPUT_WRITTEN = "compaction:output-written";

    /** Called at each point; a test's implementation throws to simulate the crash. */
    void reached(String point);
}
