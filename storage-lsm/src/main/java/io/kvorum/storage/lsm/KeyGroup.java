package io.kvorum.storage.lsm;

import io.kvorum.core.Key;
import io.kvorum.core.Record;
import java.util.List;

/** One key's records from one source (memtable or table), the unit that merges compare and combine. */
record KeyGroup(Key key, List<Record> records) {
}
