package io.kvorum.client;

import io.kvorum.core.Dot;
import io.kvorum.core.Record;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One surviving write of a key as a read returned it: a value or a delete, the dot that names the
 * write, and when its coordinator made it. Siblings exist because writes that did not see each
 * other are both kept; the dot and time help a person (or an application's merge function) decide
 * how to combine them. The time is the coordinator's wall clock and orders nothing: two siblings
 * are concurrent whatever their times say.
 */
public final class Sibling {
    private final Dot dot;
    private final long timestampMillis;
    private final byte[] value;

    private Sibling(Dot dot, long timestampMillis, byte[] value) {
        this.dot = dot;
        this.timestampMillis = timestampMillis;
        this.value = value;
    }

    static Sibling of(Record record) {
        return new Sibling(record.dot(), record.timestampMillis(),
                record.isTombstone() ? null : record.value().clone());
    }

    /** The write's unique name: the coordinating node and epoch, and that node's counter. */
    public Dot dot() {
        return dot;
    }

    public long timestampMillis() {
        return timestampMillis;
    }

    public Instant timestamp() {
        return Instant.ofEpochMilli(timestampMillis);
    }

    /** True for a delete that is concurrent with the values beside it (or alone, when the key is not found). */
    public boolean isTombstone() {
        return value == null;
    }

    /**
     * A copy of the value.
     *
     * @throws IllegalStateException for a tombstone
     */
    public byte[] value() {
        return requireValue().clone();
    }

    /** The value as UTF-8 text. */
    public String valueAsString() {
        return new String(requireValue(), StandardCharsets.UTF_8);
    }

    /** The value bytes without a copy, for this package; not to be modified. */
    byte[] valueBytes() {
        return value;
    }

    private byte[] requireValue() {
        if (value == null) {
            throw new IllegalStateException("sibling " + dot + " is a delete (tombstone), not a value");
        }
        return value;
    }

    @Override
    public String toString() {
        return "Sibling{" + dot + (value == null ? " tombstone" : " " + value.length + "B") + " at " + timestamp() + "}";
    }
}
