package io.kvorum.storage.lsm;

/** How the store merges its SSTables ({@code storage.compaction_strategy}). */
public enum CompactionStrategy {
    /**
     * Merge tables of similar size (Cassandra's STCS). Each record is rewritten about log(n) times:
     * cheap writes, but a key may sit in several tables and an update-heavy key space can take up
     * to twice its size on disk before a merge. The default.
     */
    SIZE_TIERED,
    /**
     * Keep levels of tables with disjoint key ranges, each level ten times the size of the one above
     * (LevelDB, Cassandra's LCS). More rewriting, but a key lives in at most one table per level and
     * space overhead stays near 10%: for read-heavy or overwrite-heavy data.
     */
    LEVELED
}
