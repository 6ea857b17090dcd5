package io.kvorum.storage;

import io.kvorum.core.Record;
import java.util.List;
import java.util.Objects;

/**
 * What a replica holds of one key, and whether that is all of it.
 *
 * <p>A read is <em>incomplete</em> when part of the store that may hold the key's records is
 * damaged (an SSTable data block whose checksum fails): the records are then what the rest of the
 * store holds, and may lack some the replica once acknowledged. Such an answer must never count as
 * a replica's word on the key (a quorum of stale answers would look like a quorum); the coordinator
 * merges it, does not count it, and restores the replica ({@link ReplicaStore#restore}).
 *
 * @param records the key's records that are not obsolete, among those the store could read, in dot order
 * @param damage  empty for a complete read; otherwise what is damaged, naming the file and offset
 */
public record KeyRead(List<Record> records, String damage) {
    private static final KeyRead EMPTY = new KeyRead(List.of(), "");

    public KeyRead {
        records = List.copyOf(records);
        Objects.requireNonNull(damage, "damage");
    }

    public static KeyRead complete(List<Record> records) {
        return records.isEmpty() ? EMPTY : new KeyRead(records, "");
    }

    public static KeyRead incomplete(List<Record> records, String damage) {
        if (damage.isEmpty()) {
            throw new IllegalArgumentException("damage: '' (expected: what is damaged, for an incomplete read)");
        }
        return new KeyRead(records, damage);
    }

    /** True when no part of the store that may hold the key is damaged. */
    public boolean isComplete() {
        return damage.isEmpty();
    }
}
