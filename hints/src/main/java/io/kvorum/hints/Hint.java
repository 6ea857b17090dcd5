package io.kvorum.hints;

import io.kvorum.core.Record;
import java.util.List;

/**
 * One write kept for a node that did not take it: the records to apply there by union, when the
 * hint was created, and the cursor just after it, which acknowledges it and everything before it.
 */
public record Hint(long createdAtMillis, List<Record> records, HintCursor end) {
    public Hint {
        records = List.copyOf(records);
    }
}
