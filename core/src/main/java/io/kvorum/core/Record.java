package io.kvorum.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * One write to one key: {@code (key, dot, context, value or tombstone)}, plus the coordinator's
 * wall-clock time of the write, which only decides when a tombstone may be forgotten.
 *
 * <p>A key's state is a set of records; {@link Causality} says which of them survive. Records are
 * immutable and are never changed after they are made: replicas exchange them and keep the union.
 *
 * <p>The value array is shared, not copied, on the hot paths that pass records between the
 * codec, storage and the network; no holder of a record may modify it.
 */
public final class Record {
    /** Fixed per-record cost (object headers, fields, dot and actor) used in memory accounting. */
    private static final int OVERHEAD_BYTES = 128;

    private final Key key;
    private final Dot dot;
    private final VersionVector context;
    private final long timestampMillis;
    private final byte[] value;

    private Record(Key key, Dot dot, VersionVector context, long timestampMillis, byte[] value) {
        this.key = Objects.requireNonNull(key, "key");
        this.dot = Objects.requireNonNull(dot, "dot");
        this.context = Objects.requireNonNull(context, "context");
        Checks.requireNonNegative(timestampMillis, "timestampMillis");
        this.timestampMillis = timestampMillis;
        this.value = value;
    }

    /** A write of {@code value}; the record adopts the array, which must not change afterwards. */
    public static Record value(Key key, Dot dot, VersionVector context, long timestampMillis, byte[] value) {
        return new Record(key, dot, context, timestampMillis, Objects.requireNonNull(value, "value"));
    }

    /** A delete: a tombstone that supersedes what its context covers. */
    public static Record tombstone(Key key, Dot dot, VersionVector context, long timestampMillis) {
        return new Record(key, dot, context, timestampMillis, null);
    }

    public Key key() {
        return key;
    }

    public Dot dot() {
        return dot;
    }

    /** The version vector the writer had read: what this record supersedes. */
    public VersionVector context() {
        return context;
    }

    public long timestampMillis() {
        return timestampMillis;
    }

    public boolean isTombstone() {
        return value == null;
    }

    /**
     * The value bytes, shared and not to be modified.
     *
     * @throws IllegalStateException for a tombstone
     */
    public byte[] value() {
        if (value == null) {
            throw new IllegalStateException("record " + dot + " of key " + key + " is a tombstone");
        }
        return value;
    }

    /** Length of the value in bytes; 0 for a tombstone. */
    public int valueLength() {
        return value == null ? 0 : value.length;
    }

    /** An estimate of the heap this record occupies, for bounding memtables in bytes. */
    public long estimatedHeapBytes() {
        return OVERHEAD_BYTES + key.length() + valueLength() + 32L * context.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r
                && dot.equals(r.dot)
                && key.equals(r.key)
                && timestampMillis == r.timestampMillis
                && context.equals(r.context)
                && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + dot.hashCode();
    }

    @Override
    public String toString() {
        return "Record{" + key + " " + dot + " ctx=" + context
                + (value == null ? " tombstone" : " " + value.length + "B") + " t=" + timestampMillis + "}";
    }
}
