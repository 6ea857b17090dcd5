package io.kvorum.storage.lsm;

import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The layout of an SSTable file and its name.
 *
 * <pre>
 * file    := dataBlock* filter index metadata footer
 * dataBlock: see {@link DataBlock}; about storage.sstable_block_bytes each, split only between keys
 * filter  := {@link BloomFilter} bytes, crc32c u32
 * index   := varint blockCount, blockCount * (firstToken i64, varint keyLength, firstKey, varint offset,
 *            varint length), crc32c u32
 * metadata := {@link TableMetadata} bytes, crc32c u32
 * footer  := magic u64, version u32, filterOffset u64, filterLength u32, indexOffset u64,
 *            indexLength u32, metadataOffset u64, metadataLength u32, reserved (12 zero bytes),
 *            crc32c u32 of the 60 bytes before it            -- 64 bytes, at the end of the file
 * </pre>
 * Every part carries its own checksum, so damage anywhere is found when the part is read: the
 * footer, filter, index and metadata when the table opens, a data block when it is first read.
 *
 * <p>A table is written as {@code table-<generation>.sst.tmp}, fsynced, renamed into place
 * atomically, and the directory fsynced; a leftover {@code .tmp} is a write that never finished.
 */
final class SSTableFormat {
    static final long MAGIC = 0x3130_5453_5356_4b4bL; // "KKVSST01" little-endian
    static final int VERSION = 1;
    static final int FOOTER_BYTES = 64;
    static final String SUFFIX = ".sst";
    static final String TMP_SUFFIX = ".sst.tmp";

    private SSTableFormat() {
    }

    static Path path(Path dir, long generation) {
        return dir.resolve(String.format("table-%016d%s", generation, SUFFIX));
    }

    static Path tmpPath(Path dir, long generation) {
        return dir.resolve(String.format("table-%016d%s", generation, TMP_SUFFIX));
    }

    /** The generation in a table file's name, or -1 when the name is not a table's. */
    static long generationOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith("table-") || !name.endsWith(SUFFIX) || name.length() != 6 + 16 + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(6, 6 + 16));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Where the filter, index and metadata sit in the file. */
    record Footer(long filterOffset, int filterLength, long indexOffset, int indexLength, long metaOffset,
                  int metaLength) {

        byte[] encode() {
            byte[] b = new byte[FOOTER_BYTES];
            int off = Bytes.putLong(b, 0, MAGIC);
            off = Bytes.putInt(b, off, VERSION);
            off = Bytes.putLong(b, off, filterOffset);
            off = Bytes.putInt(b, off, filterLength);
            off = Bytes.putLong(b, off, indexOffset);
            off = Bytes.putInt(b, off, indexLength);
            off = Bytes.putLong(b, off, metaOffset);
            Bytes.putInt(b, off, metaLength);
            Bytes.putInt(b, FOOTER_BYTES - 4, crc(b, 0, FOOTER_BYTES - 4));
            return b;
        }

        static Footer decode(byte[] b, long fileBytes, String where) {
            if (Bytes.getInt(b, FOOTER_BYTES - 4) != crc(b, 0, FOOTER_BYTES - 4)) {
                throw new CorruptDataException(where + ": footer checksum mismatch");
            }
            if (Bytes.getLong(b, 0) != MAGIC) {
                throw new CorruptDataException(where + ": not an SSTable (bad magic)");
            }
            int version = Bytes.getInt(b, 8);
            if (version != VERSION) {
                throw new CorruptDataException(where + ": SSTable format version " + version + " (expected: " + VERSION + ")");
            }
            Footer f = new Footer(Bytes.getLong(b, 12), Bytes.getInt(b, 20), Bytes.getLong(b, 24), Bytes.getInt(b, 32),
                    Bytes.getLong(b, 36), Bytes.getInt(b, 44));
            long end = fileBytes - FOOTER_BYTES;
            if (!within(f.filterOffset, f.filterLength, end) || !within(f.indexOffset, f.indexLength, end)
                    || !within(f.metaOffset, f.metaLength, end)) {
                throw new CorruptDataException(where + ": footer points outside the file: " + f);
            }
            return f;
        }

        private static boolean within(long offset, int length, long end) {
            return offset >= 0 && length >= 4 && offset + length <= end;
        }
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** Checks the trailing CRC32C of a filter, index or metadata part and returns its length without it. */
    static int checkPart(byte[] part, String what, String where) {
        int body = part.length - 4;
        if (body < 0 || Bytes.getInt(part, body) != crc(part, 0, body)) {
            throw new CorruptDataException(where + ": " + what + " checksum mismatch");
        }
        return body;
    }
}
