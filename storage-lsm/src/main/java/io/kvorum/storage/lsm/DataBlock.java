package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.RecordCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One SSTable data block, checked and ready to search: records in storage order, each as
 * {@code token i64, record body} (see {@link RecordCodec}), followed by the offset of every entry
 * so that a lookup is a binary search, not a scan.
 *
 * <pre>
 * block := entry* offsets count crc
 * entry := token i64, body            -- token stored so that comparisons need no hashing
 * offsets := count * u32              -- start of each entry
 * count := u32, crc := u32 CRC32C of everything before it
 * </pre>
 * The writer never splits one key's records across blocks, so a key lives in exactly one block.
 */
final class DataBlock {
    static final int TRAILER_BYTES = 8;

    private final byte[] data;
    private final int[] offsets;
    private final int entriesEnd;

    private DataBlock(byte[] data, int[] offsets, int entriesEnd) {
        this.data = data;
        this.offsets = offsets;
        this.entriesEnd = entriesEnd;
    }

    /**
     * Checks the CRC and structure of a block read from disk. {@code where} names the file and
     * offset for the error message.
     */
    static DataBlock parse(byte[] data, String where) {
        if (data.length < TRAILER_BYTES) {
            throw new CorruptDataException(where + ": block of " + data.length + " bytes is truncated");
        }
        int crcAt = data.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(data, 0, crcAt);
        if ((int) crc.getValue() != Bytes.getInt(data, crcAt)) {
            throw new CorruptDataException(where + ": data block checksum mismatch");
        }
        int count = Bytes.getInt(data, crcAt - 4);
        int entriesEnd = crcAt - 4 - 4 * count;
        if (count <= 0 || entriesEnd < 0) {
            throw new CorruptDataException(where + ": data block claims " + count + " entries in " + data.length + " bytes");
        }
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            offsets[i] = Bytes.getInt(data, entriesEnd + 4 * i);
            if (offsets[i] < 0 || offsets[i] + 9 > entriesEnd || (i > 0 && offsets[i] <= offsets[i - 1])) {
                throw new CorruptDataException(where + ": data block entry " + i + " has offset " + offsets[i]);
            }
        }
        return new DataBlock(data, offsets, entriesEnd);
    }

    int entryCount() {
        return offsets.length;
    }

    /** Bytes of heap this block holds, for the cache's weigher. */
    int weight() {
        return data.length + 4 * offsets.length + 32;
    }

    /** The key's records stored in this block, in dot order; empty when the key is not here. */
    List<Record> get(Key key, String where) {
        int lo = 0;
        int hi = offsets.length - 1;
        int first = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compareEntryKey(mid, key, where);
            if (c < 0) {
                lo = mid + 1;
            } else {
                if (c == 0) {
                    first = mid;
                }
                hi = mid - 1;
            }
        }
        if (first < 0) {
            return List.of();
        }
        List<Record> out = new ArrayList<>(2);
        for (int i = first; i < offsets.length; i++) {
            Record r = record(i, where);
            if (!r.key().equals(key)) {
                break;
            }
            out.add(r);
        }
        return out;
    }

    /** The index of the first entry whose key is at or after {@code bound}, or entryCount() if none. */
    int firstAtOrAfter(Key bound, String where) {
        int lo = 0;
        int hi = offsets.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compareEntryKey(mid, bound, where) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Decodes entry i. */
    Record record(int i, String where) {
        int start = offsets[i];
        int end = i + 1 < offsets.length ? offsets[i + 1] : entriesEnd;
        try {
            ByteReader in = new ByteReader(data, start + 8, end - start - 8);
            Record r = RecordCodec.readBody(in);
            if (in.remaining() != 0 || r.key().token() != Bytes.getLong(data, start)) {
                throw new CorruptDataException("entry " + i + " does not match its frame");
            }
            return r;
        } catch (CorruptDataException | IllegalArgumentException e) {
            throw new CorruptDataException(where + ": " + e.getMessage(), e);
        }
    }

    /** Compares entry i's key with {@code key}, reading it in place. */
    private int compareEntryKey(int i, Key key, String where) {
        int at = offsets[i];
        long token = Bytes.getLong(data, at);
        ByteReader in = new ByteReader(data, at + 8, entriesEnd - at - 8);
        int len;
        try {
            len = in.readVarInt(in.remaining(), "key length");
        } catch (CorruptDataException e) {
            throw new CorruptDataException(where + ": " + e.getMessage(), e);
        }
        int from = in.position();
        return -key.compareTo(token, data, from, from + len);
    }
}
