package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;

/**
 * What an SSTable says about itself, stored in its metadata block.
 *
 * <p>{@code replayedThroughSegment} is the last commit-log segment whose writes the table (or the
 * tables it was compacted from) holds, so replay after a crash skips segments already flushed.
 * {@code level} places it for leveled compaction: 0 for a flush (tables may overlap), and from 1 on
 * a level of tables with disjoint key ranges; size-tiered compaction keeps everything at 0.
 *
 * @param firstKey the smallest key in the table, in storage order
 * @param lastKey  the largest key in the table
 */
record TableMetadata(
        long keyCount,
        long recordCount,
        long tombstoneCount,
        Key firstKey,
        Key lastKey,
        long minTimestampMillis,
        long maxTimestampMillis,
        long replayedThroughSegment,
        int level,
        long dataBytes) {

    /** Deeper than any store reaches: level n holds 10^n times level 1. */
    static final int MAX_LEVEL = 16;

    int serializedSize() {
        int size = Bytes.varLongSize(keyCount) + Bytes.varLongSize(recordCount) + Bytes.varLongSize(tombstoneCount)
                + Bytes.varLongSize(firstKey.length()) + firstKey.length()
                + Bytes.varLongSize(lastKey.length()) + lastKey.length()
                + Bytes.varLongSize(minTimestampMillis) + Bytes.varLongSize(maxTimestampMillis)
                + 8 + Bytes.varLongSize(level) + Bytes.varLongSize(dataBytes);
        return size;
    }

    int writeTo(byte[] dst, int off) {
        off = Bytes.putVarLong(dst, off, keyCount);
        off = Bytes.putVarLong(dst, off, recordCount);
        off = Bytes.putVarLong(dst, off, tombstoneCount);
        off = putBytes(dst, off, firstKey.toByteArray());
        off = putBytes(dst, off, lastKey.toByteArray());
        off = Bytes.putVarLong(dst, off, minTimestampMillis);
        off = Bytes.putVarLong(dst, off, maxTimestampMillis);
        off = Bytes.putLong(dst, off, replayedThroughSegment);
        off = Bytes.putVarLong(dst, off, level);
        return Bytes.putVarLong(dst, off, dataBytes);
    }

    static TableMetadata readFrom(ByteReader in) {
        long keys = in.readVarLong();
        long records = in.readVarLong();
        long tombstones = in.readVarLong();
        Key first = Key.of(in.readLengthPrefixed("first key"));
        Key last = Key.of(in.readLengthPrefixed("last key"));
        long minTs = in.readVarLong();
        long maxTs = in.readVarLong();
        long replayed = in.readLong();
        int level = in.readVarInt(MAX_LEVEL, "level");
        long dataBytes = in.readVarLong();
        if (keys <= 0 || records < keys || tombstones > records || first.compareTo(last) > 0 || dataBytes <= 0) {
            throw new CorruptDataException("metadata is inconsistent: " + keys + " keys, " + records + " records, "
                    + tombstones + " tombstones, " + dataBytes + " data bytes");
        }
        return new TableMetadata(keys, records, tombstones, first, last, minTs, maxTs, replayed, level, dataBytes);
    }

    private static int putBytes(byte[] dst, int off, byte[] b) {
        off = Bytes.putVarLong(dst, off, b.length);
        System.arraycopy(b, 0, dst, off, b.length);
        return off + b.length;
    }
}
