package io.kvorum.streaming;

import io.kvorum.core.Checks;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.Record;
import io.kvorum.core.RecordCodec;
import io.kvorum.core.TokenRange;
import java.util.List;
import java.util.Objects;

/**
 * The messages of range streaming, and their wire ids (300..309; 302..309 are reserved for it).
 *
 * <p>Streaming is pulled: the receiving node asks a source for the next chunk of a range after a
 * cursor, so the receiver sets the pace (its throttle, its disk), a lost message costs one chunk,
 * and a stream that broke off resumes from the last key the receiver applied.
 *
 * <p>Every component is a type the wire codec carries: {@link TokenRange}, {@link Key},
 * {@code List<Record>}, primitives. The cursors {@link StreamRequest#after()} and
 * {@link StreamChunk#last()} may be null: Kryo's record serializer writes a component of a final
 * class such as {@code Key} with {@code writeObjectOrNull}, so null travels as a one-byte marker.
 */
public final class StreamMessages {
    /** Length prefix of a record on the wire, at most: a varint of a length below 2^28. */
    private static final int RECORD_PREFIX_BYTES = 4;

    private StreamMessages() {
    }

    /**
     * Asks a source for the records of {@code range} that come after the key {@code after} in the
     * range's order (from the range's start when null), up to about {@code maxBytes}.
     *
     * @param after the exclusive cursor: the last key of the previous chunk; when present it lies in
     *              the range
     */
    public record StreamRequest(TokenRange range, Key after, int maxBytes) implements Message {
        public StreamRequest {
            Objects.requireNonNull(range, "range");
            Checks.require(after == null || range.contains(after.token()), "cursor", after,
                    "a key whose token lies in " + range);
            Checks.requirePositive(maxBytes, "maxBytes");
        }
    }

    /**
     * The next records of a range, ordered as the range is scanned (by key, from the range's start),
     * whole keys only so that {@code last} is a boundary to continue from.
     *
     * @param last the key of the last record, null when there are none
     * @param done true when no key of the range follows {@code last}
     */
    public record StreamChunk(List<Record> records, Key last, boolean done) implements Message {
        public StreamChunk {
            records = List.copyOf(records);
            Checks.require(records.isEmpty() ? last == null : records.get(records.size() - 1).key().equals(last),
                    "last", last, records.isEmpty() ? "null for an empty chunk" : "the key of the last record");
        }
    }

    public static MessageTypes.Builder register(MessageTypes.Builder types) {
        return types
                .add(300, StreamRequest.class)
                .add(301, StreamChunk.class);
    }

    /**
     * What a record costs on the wire: its codec body and length prefix. Both sides count chunk
     * budgets and throttle in these bytes, so the budget bounds what a frame carries.
     */
    static long wireBytes(Record r) {
        return RecordCodec.bodySize(r) + RECORD_PREFIX_BYTES;
    }
}
