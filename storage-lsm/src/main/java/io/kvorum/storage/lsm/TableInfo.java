package io.kvorum.storage.lsm;

import io.kvorum.core.Key;

/** What a compaction picker needs to know of a table; tests give pickers plain records. */
interface TableInfo {
    long generation();

    int level();

    long sizeBytes();

    /** The smallest key in the table, in storage order. */
    Key firstKey();

    /** The largest key in the table. */
    Key lastKey();

    /** True when the key ranges of the two tables intersect. */
    default boolean overlaps(Key first, Key last) {
        return firstKey().compareTo(last) <= 0 && first.compareTo(lastKey()) <= 0;
    }
}
