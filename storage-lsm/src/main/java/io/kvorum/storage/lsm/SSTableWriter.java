package io.kvorum.storage.lsm;

import io.kvorum.core.Bytes;
import io.kvorum.core.DurableFiles;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.RecordCodec;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes one SSTable from key groups given in storage order (see {@link SSTableFormat}).
 *
 * <p>Blocks are written as they fill; the filter, index and metadata at the end. Nothing is
 * visible under the table's real name until {@link #finish} has fsynced the file and renamed it,
 * so a crash mid-write leaves only a {@code .tmp} file that the next open deletes.
 */
final class SSTableWriter implements AutoCloseable {
    private final Path dir;
    private final long generation;
    private final Path tmp;
    private final FileChannel channel;
    private final int blockBytes;
    private final int bloomBitsPerKey;
    private final RateLimiter limiter;

    private byte[] block;
    private int blockLength;
    private int[] entryOffsets = new int[256];
    private int entryCount;
    private long position;

    private long[] tokens = new long[1024];
    private long keyCount;
    private long recordCount;
    private long tombstoneCount;
    private long minTimestamp = Long.MAX_VALUE;
    private long maxTimestamp = Long.MIN_VALUE;
    private Key firstKey;
    private Key lastKey;

    private final List<byte[]> indexKeys = new ArrayList<>();
    private long[] indexTokens = new long[64];
    private long[] indexOffsets = new long[64];
    private int[] indexLengths = new int[64];
    private int blockCount;
    private Key blockFirstKey;
    private boolean done;

    private SSTableWriter(Path dir, long generation, FileChannel channel, int blockBytes, int bloomBitsPerKey,
                          RateLimiter limiter) {
        this.dir = dir;
        this.generation = generation;
        this.tmp = SSTableFormat.tmpPath(dir, generation);
        this.channel = channel;
        this.blockBytes = blockBytes;
        this.bloomBitsPerKey = bloomBitsPerKey;
        this.limiter = limiter;
        this.block = new byte[blockBytes + blockBytes / 2];
    }

    /** Starts {@code table-<generation>.sst.tmp}. {@code limiter} may be null (flushes are not paced). */
    static SSTableWriter create(Path dir, long generation, int blockBytes, int bloomBitsPerKey, RateLimiter limiter) {
        Path tmp = SSTableFormat.tmpPath(dir, generation);
        try {
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new SSTableWriter(dir, generation, ch, blockBytes, bloomBitsPerKey, limiter);
        } catch (IOException e) {
            throw new StorageException("cannot create SSTable " + tmp + ": " + e.getMessage(), e);
        }
    }

    long generation() {
        return generation;
    }

    /** Bytes of data blocks written so far. */
    long bytesWritten() {
        return position + blockLength;
    }

    /** Appends one key's live records, in dot order. Keys must come in strictly increasing storage order. */
    void append(Key key, List<Record> records) {
        if (lastKey != null && key.compareTo(lastKey) <= 0) {
            throw new IllegalStateException("key " + key + " out of order after " + lastKey + " in " + tmp);
        }
        if (records.isEmpty()) {
            return;
        }
        if (blockLength == 0) {
            blockFirstKey = key;
        }
        for (Record r : records) {
            int size = 8 + RecordCodec.bodySize(r);
            ensureBlockCapacity(size);
            if (entryCount == entryOffsets.length) {
                entryOffsets = Arrays.copyOf(entryOffsets, entryCount * 2);
            }
            entryOffsets[entryCount++] = blockLength;
            int off = Bytes.putLong(block, blockLength, key.token());
            blockLength = RecordCodec.writeBody(r, block, off);
            recordCount++;
            if (r.isTombstone()) {
                tombstoneCount++;
            }
            minTimestamp = Math.min(minTimestamp, r.timestampMillis());
            maxTimestamp = Math.max(maxTimestamp, r.timestampMillis());
        }
        if (keyCount == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[(int) keyCount++] = key.token();
        if (firstKey == null) {
            firstKey = key;
        }
        lastKey = key;
        if (blockLength >= blockBytes) {
            finishBlock();
        }
    }

    private void ensureBlockCapacity(int entryBytes) {
        int needed = blockLength + entryBytes + 4 * (entryCount + 1) + DataBlock.TRAILER_BYTES;
        if (needed > block.length) {
            block = Arrays.copyOf(block, Math.max(needed, block.length * 2));
        }
    }

    private void finishBlock() {
        if (entryCount == 0) {
            return;
        }
        ensureBlockCapacity(0);
        int off = blockLength;
        for (int i = 0; i < entryCount; i++) {
            off = Bytes.putInt(block, off, entryOffsets[i]);
        }
        off = Bytes.putInt(block, off, entryCount);
        off = Bytes.putInt(block, off, SSTableFormat.crc(block, 0, off));

        if (blockCount == indexTokens.length) {
            indexTokens = Arrays.copyOf(indexTokens, blockCount * 2);
            indexOffsets = Arrays.copyOf(indexOffsets, blockCount * 2);
            indexLengths = Arrays.copyOf(indexLengths, blockCount * 2);
        }
        indexTokens[blockCount] = blockFirstKey.token();
        indexKeys.add(blockFirstKey.toByteArray());
        indexOffsets[blockCount] = position;
        indexLengths[blockCount] = off;
        blockCount++;

        write(block, off);
        blockLength = 0;
        entryCount = 0;
        if (block.length > 4 * blockBytes) {
            block = new byte[blockBytes + blockBytes / 2];
        }
    }

    private void write(byte[] bytes, int length) {
        if (limiter != null) {
            limiter.acquire(length);
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes, 0, length);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            position += length;
        } catch (IOException e) {
            throw new StorageException("cannot write SSTable " + tmp + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes filter, index, metadata and footer, makes the file durable under its real name and
     * opens it.
     *
     * @param replayedThroughSegment the last commit-log segment whose writes this table holds (-1 for none)
     * @param level the table's level (0 for a flush)
     */
    SSTableReader finish(long replayedThroughSegment, int level, BlockCache cache) {
        if (keyCount == 0) {
            throw new IllegalStateException("SSTable " + tmp + " has no keys; abort it instead");
        }
        finishBlock();
        long dataBytes = position;
        BloomFilter filter = BloomFilter.build(tokens, (int) keyCount, bloomBitsPerKey);
        byte[] filterPart = new byte[filter.serializedSize() + 4];
        sealPart(filterPart, filter.writeTo(filterPart, 0));

        byte[] indexPart = encodeIndex();

        TableMetadata meta = new TableMetadata(keyCount, recordCount, tombstoneCount, firstKey, lastKey,
                minTimestamp, maxTimestamp, replayedThroughSegment, level, dataBytes);
        byte[] metaPart = new byte[meta.serializedSize() + 4];
        sealPart(metaPart, meta.writeTo(metaPart, 0));

        long filterOffset = position;
        write(filterPart, filterPart.length);
        long indexOffset = position;
        write(indexPart, indexPart.length);
        long metaOffset = position;
        write(metaPart, metaPart.length);
        byte[] footer = new SSTableFormat.Footer(filterOffset, filterPart.length, indexOffset, indexPart.length,
                metaOffset, metaPart.length).encode();
        write(footer, footer.length);

        Path target = SSTableFormat.path(dir, generation);
        try {
            channel.force(true);
            channel.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.fsyncDirectory(dir);
        } catch (IOException e) {
            abort();
            throw new StorageException("cannot complete SSTable " + target + ": " + e.getMessage(), e);
        }
        done = true;
        return SSTableReader.open(target, generation, cache);
    }

    private byte[] encodeIndex() {
        int size = Bytes.varLongSize(blockCount) + 4;
        for (int i = 0; i < blockCount; i++) {
            byte[] k = indexKeys.get(i);
            size += 8 + Bytes.varLongSize(k.length) + k.length + Bytes.varLongSize(indexOffsets[i])
                    + Bytes.varLongSize(indexLengths[i]);
        }
        byte[] part = new byte[size];
        int off = Bytes.putVarLong(part, 0, blockCount);
        for (int i = 0; i < blockCount; i++) {
            byte[] k = indexKeys.get(i);
            off = Bytes.putLong(part, off, indexTokens[i]);
            off = Bytes.putVarLong(part, off, k.length);
            System.arraycopy(k, 0, part, off, k.length);
            off += k.length;
            off = Bytes.putVarLong(part, off, indexOffsets[i]);
            off = Bytes.putVarLong(part, off, indexLengths[i]);
        }
        sealPart(part, off);
        return part;
    }

    private static void sealPart(byte[] part, int bodyLength) {
        Bytes.putInt(part, bodyLength, SSTableFormat.crc(part, 0, bodyLength));
    }

    /** Discards an unfinished table. Safe to call more than once, and after a failed finish. */
    void abort() {
        if (done) {
            return;
        }
        done = true;
        try {
            channel.close();
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            throw new StorageException("cannot delete unfinished SSTable " + tmp + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        abort();
    }
}
