package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;

/**
 * What an SSTable says about itself, stored in its metadata block.
 *
 * <p>Two fields make flushes and compactions crash-safe without a manifest file:
 * {@code replayedThroughSegment} is the last commit-log segment whose writes the table (or its
 * ancestors) holds, so replay after a crash skips segments already flushed; {@code ancestors} are
 * the generations a compaction merged into this table, so a crash between writing the output and
 * deleting the inputs is finished on the next open by deleting the inputs. (A compaction whose
 * every record expired still writes an empty table, only to carry that list.)
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
        long[] ancestors,
        long dataBytes) {

    int serializedSize() {
        int size = Bytes.varLongSize(keyCount) + Bytes.varLongSize(recordCount) + Bytes.varLongSize(tombstoneCount)
                + Bytes.varLongSize(firstKey.length()) + firstKey.length()
                + Bytes.varLongSize(lastKey.length()) + lastKey.length()
                + Bytes.varLongSize(minTimestampMillis) + Bytes.varLongSize(maxTimestampMillis)
                + 8 + Bytes.varLongSize(ancestors.length) + 8 * ancestors.length + Bytes.varLongSize(dataBytes);
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
        off = Bytes.putVarLong(dst, off, ancestors.length);
        for (long a : ancestors) {
            off = Bytes.putLong(dst, off, a);
        }
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
        int n = in.readVarInt(in.remaining() / 8, "ancestor count");
        long[] ancestors = new long[n];
        for (int i = 0; i < n; i++) {
            ancestors[i] = in.readLong();
        }
        long dataBytes = in.readVarLong();
        boolean empty = keys == 0 && records == 0 && dataBytes == 0;
        if (!empty && (keys < 0 || records < keys || tombstones > records || first.compareTo(last) > 0 || dataBytes <= 0)) {
            throw new CorruptDataException("metadata is inconsistent: " + keys + " keys, " + records + " records, "
                    + tombstones + " tombstones, " + dataBytes + " data bytes");
        }
        return new TableMetadata(keys, records, tombstones, first, last, minTs, maxTs, replayed, ancestors, dataBytes);
    }

    private static int putBytes(byte[] dst, int off, byte[] b) {
        off = Bytes.putVarLong(dst, off, b.length);
        System.arraycopy(b, 0, dst, off, b.length);
        return off + b.length;
    }
}
