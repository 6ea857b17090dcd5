package io.kvorum.storage;

/** When {@link ReplicaStore#apply} may return relative to stable storage. */
public enum Durability {
    /** After the batch's commit-log entry has been fsynced, together with any writes sharing the sync. */
    DURABLE,
    /**
     * Once the batch is in the commit log and memtable. It reaches disk at the next periodic sync
     * ({@code storage.commitlog_sync_period_ms}); a process crash does not lose it, losing power
     * within that period can.
     */
    PERIODIC
}
