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
 * entry := token i64, body            -- token stored so that comparisons and decoding need no hashing
 * offsets := count * u32              -- start of each entry, from the start of the block
 * count := u32, crc := u32 CRC32C of everything before it
 * </pre>
 * The writer never splits one key's records across blocks, so a key lives in exactly one block.
 *
 * <p>Parsing (on a cache miss) also lifts every entry's token into an array, so a lookup
 * binary-searches eight-byte tokens that sit together in memory and reads entry bytes only where
 * the token matches, instead of touching a cache line of the block at every step of the search.
 *
 * <p>A block may sit inside a larger buffer (a scan reads many blocks at once). It remembers its
 * table and position only to name them in an error; nothing is formatted unless one occurs.
 */
final class DataBlock {
    static final int TRAILER_BYTES = 8;

    private final byte[] data;
    private final int base;
    private final int[] offsets;
    private final long[] tokens;
    private final int entriesEnd;
    private final int length;
    private final String table;
    private final int index;
    private final long fileOffset;

    private DataBlock(byte[] data, int base, int length, int[] offsets, long[] tokens, int entriesEnd, String table,
                      int index, long fileOffset) {
        this.data = data;
        this.base = base;
        this.length = length;
        this.offsets = offsets;
        this.tokens = tokens;
        this.entriesEnd = entriesEnd;
        this.table = table;
        this.index = index;
        this.fileOffset = fileOffset;
    }

    /**
     * Checks the CRC and structure of the block at {@code data[base, base + length)}, which was read
     * from block {@code index} at {@code fileOffset} of SSTable {@code table}.
     */
    static DataBlock parse(byte[] data, int base, int length, String table, int index, long fileOffset) {
        String where = null;
        if (length < TRAILER_BYTES) {
            where = "is truncated to " + length + " bytes";
        } else {
            int crcAt = base + length - 4;
            CRC32C crc = new CRC32C();
            crc.update(data, base, length - 4);
            if ((int) crc.getValue() != Bytes.getInt(data, crcAt)) {
                where = "checksum mismatch";
            } else {
                int count = Bytes.getInt(data, crcAt - 4);
                int entriesEnd = length - 8 - 4 * count;
                if (count <= 0 || entriesEnd < 0) {
                    where = "claims " + count + " entries in " + length + " bytes";
                } else {
                    int[] offsets = new int[count];
                    long[] tokens = new long[count];
                    for (int i = 0; i < count && where == null; i++) {
                        offsets[i] = Bytes.getInt(data, base + entriesEnd + 4 * i);
                        if (offsets[i] < 0 || offsets[i] + 9 > entriesEnd || (i > 0 && offsets[i] <= offsets[i - 1])) {
                            where = "entry " + i + " has offset " + offsets[i];
                        } else {
                            tokens[i] = Bytes.getLong(data, base + offsets[i]);
                            if (i > 0 && tokens[i] < tokens[i - 1]) {
                                where = "entry " + i + " is out of token order";
                            }
                        }
                    }
                    if (where == null) {
                        return new DataBlock(data, base, length, offsets, tokens, entriesEnd, table, index, fileOffset);
                    }
                }
            }
        }
        throw new CorruptDataException(describe(table, index, fileOffset) + ": data block " + where);
    }

    private static String describe(String table, int index, long fileOffset) {
        return "SSTable " + table + " block " + index + " at offset " + fileOffset;
    }

    private CorruptDataException corrupt(String what, Throwable cause) {
        return new CorruptDataException(describe(table, index, fileOffset) + ": " + what, cause);
    }

    int entryCount() {
        return offsets.length;
    }

    /** Bytes of heap this block holds, for the cache's weigher. */
    int weight() {
        return length + 12 * offsets.length + 64;
    }

    /** The key's records stored in this block, in dot order; empty when the key is not here. */
    List<Record> get(Key key) {
        int first = firstAtOrAfter(key);
        if (first == offsets.length || tokens[first] != key.token() || compareEntryKey(first, key) != 0) {
            return List.of();
        }
        Record r = record(first, key);
        if (first + 1 == offsets.length || tokens[first + 1] != key.token() || compareEntryKey(first + 1, key) != 0) {
            return List.of(r);
        }
        List<Record> out = new ArrayList<>(2);
        out.add(r);
        for (int i = first + 1; i < offsets.length && tokens[i] == key.token() && compareEntryKey(i, key) == 0; i++) {
            out.add(record(i, key));
        }
        return out;
    }

    /** The index of the first entry whose key is at or after {@code bound}, or entryCount() if none. */
    int firstAtOrAfter(Key bound) {
        long token = bound.token();
        int lo = 0;
        int hi = tokens.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (tokens[mid] < token) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        // Keys sharing the token (a hash collision, or one key's siblings) order by their bytes.
        while (lo < tokens.length && tokens[lo] == token && compareEntryKey(lo, bound) < 0) {
            lo++;
        }
        return lo;
    }

    /** Decodes entry i, sharing {@code known} as its key when the bytes match. */
    Record record(int i, Key known) {
        int start = base + offsets[i];
        int end = base + (i + 1 < offsets.length ? offsets[i + 1] : entriesEnd);
        try {
            ByteReader in = new ByteReader(data, start + 8, end - start - 8);
            Record r = RecordCodec.readBody(in, Bytes.getLong(data, start), known);
            if (in.remaining() != 0) {
                throw new CorruptDataException("entry " + i + " has " + in.remaining() + " bytes after its record");
            }
            return r;
        } catch (CorruptDataException | IllegalArgumentException e) {
            throw corrupt(e.getMessage(), e);
        }
    }

    /** Compares entry i's key with {@code key}, reading it in place: {@code < 0} when the entry's key is smaller. */
    private int compareEntryKey(int i, Key key) {
        int at = base + offsets[i];
        long token = Bytes.getLong(data, at);
        int p = at + 8;
        int limit = base + entriesEnd;
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            if (p >= limit || shift > 28) {
                throw corrupt("entry " + i + " has a malformed key length", null);
            }
            byte b = data[p++];
            length |= (b & 0x7f) << shift;
            if (b >= 0) {
                break;
            }
        }
        if (length < 0 || length > limit - p) {
            throw corrupt("entry " + i + " has a key of " + length + " bytes overrunning the block", null);
        }
        return -key.compareTo(token, data, p, p + length);
    }
}
