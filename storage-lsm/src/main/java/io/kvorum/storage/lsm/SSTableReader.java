package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.storage.KeyInterval;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open SSTable: its filter, index and metadata in memory, its data blocks read on demand
 * through the {@link BlockCache}.
 *
 * <p>The data blocks are memory-mapped, as Cassandra maps its data files: a block missing from the
 * cache is one copy out of the page cache, where a {@code pread} into a heap array costs a system
 * call and a second copy through a temporary direct buffer, and measured three to four times as
 * much. The file needs no descriptor once mapped. Files are mapped in chunks of at most
 * {@link #MAX_CHUNK_BYTES}, cut at block boundaries so no block straddles two.
 *
 * <p>Reference counted. The store's current view holds one reference; every scan and every
 * uncached block read holds another while it runs. A compaction that replaces the table marks it
 * obsolete and drops the view's reference; the file is closed, and deleted, when the last
 * reference goes. {@link #tryRef} fails once that has happened, and the reader retries with the
 * store's newer view, which holds the table's replacement.
 */
final class SSTableReader implements TableInfo {
    private static final Logger log = LoggerFactory.getLogger(SSTableReader.class);
    static final long MAX_CHUNK_BYTES = 1L << 30;

    private final Path file;
    private final String name;
    /** Each block found damaged, with what was wrong: damage does not heal, so it is checked once. */
    private final Map<Integer, String> damagedBlocks = new ConcurrentHashMap<>();
    private final long generation;
    private final MappedByteBuffer[] chunks;
    private final long[] chunkStarts;
    private final long fileBytes;
    private final TableMetadata meta;
    private final BloomFilter filter;
    private final BlockCache cache;
    private final long[] blockTokens;
    private final byte[][] blockKeys;
    private final long[] blockOffsets;
    private final int[] blockLengths;
    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile Runnable onDeleted;

    private SSTableReader(Path file, long generation, MappedByteBuffer[] chunks, long[] chunkStarts, long fileBytes,
                          TableMetadata meta, BloomFilter filter, BlockCache cache, long[] blockTokens,
                          byte[][] blockKeys, long[] blockOffsets, int[] blockLengths) {
        this.file = file;
        this.name = file.getFileName().toString();
        this.generation = generation;
        this.chunks = chunks;
        this.chunkStarts = chunkStarts;
        this.fileBytes = fileBytes;
        this.meta = meta;
        this.filter = filter;
        this.cache = cache;
        this.blockTokens = blockTokens;
        this.blockKeys = blockKeys;
        this.blockOffsets = blockOffsets;
        this.blockLengths = blockLengths;
    }

    /**
     * Opens a table, checking footer, filter, index and metadata.
     *
     * @throws CorruptDataException naming the file when any of them is damaged
     */
    static SSTableReader open(Path file, long generation, BlockCache cache) {
        FileChannel ch = null;
        String where = "SSTable " + file;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            if (size < SSTableFormat.FOOTER_BYTES) {
                throw new CorruptDataException(where + ": " + size + " bytes is too short for a footer");
            }
            SSTableFormat.Footer footer = SSTableFormat.Footer.decode(
                    read(ch, size - SSTableFormat.FOOTER_BYTES, SSTableFormat.FOOTER_BYTES), size, where);

            byte[] filterPart = read(ch, footer.filterOffset(), footer.filterLength());
            int n = SSTableFormat.checkPart(filterPart, "bloom filter", where);
            BloomFilter filter = decode(() -> BloomFilter.readFrom(new ByteReader(filterPart, 0, n)), where, "bloom filter");

            byte[] metaPart = read(ch, footer.metaOffset(), footer.metaLength());
            int m = SSTableFormat.checkPart(metaPart, "metadata", where);
            TableMetadata meta = decode(() -> TableMetadata.readFrom(new ByteReader(metaPart, 0, m)), where, "metadata");

            byte[] indexPart = read(ch, footer.indexOffset(), footer.indexLength());
            int x = SSTableFormat.checkPart(indexPart, "index", where);
            ByteReader in = new ByteReader(indexPart, 0, x);
            int blocks = decode(() -> in.readVarInt(x / 11, "block count"), where, "index");
            long[] tokens = new long[blocks];
            byte[][] keys = new byte[blocks][];
            long[] offsets = new long[blocks];
            int[] lengths = new int[blocks];
            for (int i = 0; i < blocks; i++) {
                int b = i;
                decode(() -> {
                    tokens[b] = in.readLong();
                    keys[b] = in.readLengthPrefixed("block key");
                    offsets[b] = in.readVarLong();
                    lengths[b] = in.readVarInt(Integer.MAX_VALUE, "block length");
                    return null;
                }, where, "index");
                if (offsets[i] < 0 || offsets[i] + lengths[i] > meta.dataBytes()
                        || (i > 0 && offsets[i] != offsets[i - 1] + lengths[i - 1])) {
                    throw new CorruptDataException(where + ": index entry " + i + " points at " + offsets[i] + "+"
                            + lengths[i] + ", outside the data blocks");
                }
            }
            List<MappedByteBuffer> chunks = new ArrayList<>();
            List<Long> starts = new ArrayList<>();
            try {
                for (int first = 0; first < blocks; ) {
                    int end = first + 1;
                    while (end < blocks && offsets[end] + lengths[end] - offsets[first] <= MAX_CHUNK_BYTES) {
                        end++;
                    }
                    long bytes = offsets[end - 1] + lengths[end - 1] - offsets[first];
                    chunks.add(ch.map(FileChannel.MapMode.READ_ONLY, offsets[first], bytes));
                    starts.add(offsets[first]);
                    first = end;
                }
            } catch (IOException | RuntimeException e) {
                chunks.forEach(MappedFiles::unmap);
                throw e;
            }
            return new SSTableReader(file, generation, chunks.toArray(new MappedByteBuffer[0]),
                    starts.stream().mapToLong(Long::longValue).toArray(), size, meta, filter, cache, tokens, keys,
                    offsets, lengths);
        } catch (IOException e) {
            throw new StorageException("cannot open " + where + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(ch);
        }
    }

    private interface Decoder<T> {
        T decode();
    }

    private static <T> T decode(Decoder<T> d, String where, String part) {
        try {
            return d.decode();
        } catch (CorruptDataException e) {
            throw new CorruptDataException(where + ": " + part + ": " + e.getMessage(), e);
        }
    }

    private static byte[] read(FileChannel ch, long offset, int length) throws IOException {
        byte[] out = new byte[length];
        ByteBuffer buf = ByteBuffer.wrap(out);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                throw new IOException("unexpected end of file at " + (offset + buf.position()));
            }
        }
        return out;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the open already failed; that error is the one to report
            }
        }
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public int level() {
        return meta.level();
    }

    @Override
    public Key firstKey() {
        return meta.firstKey();
    }

    @Override
    public Key lastKey() {
        return meta.lastKey();
    }

    Path file() {
        return file;
    }

    @Override
    public long sizeBytes() {
        return fileBytes;
    }

    TableMetadata metadata() {
        return meta;
    }

    /** False when the key is certainly not in this table. */
    boolean mayContain(Key key) {
        return meta.keyCount() > 0
                && key.compareTo(meta.firstKey()) >= 0
                && key.compareTo(meta.lastKey()) <= 0
                && filter.mightContain(key.token());
    }

    /**
     * The key's records stored here, in dot order (empty when absent), or null when this table
     * was released while the read ran and the caller must retry on a newer view.
     */
    List<Record> get(Key key) {
        int b = blockFor(key);
        if (b < 0) {
            return List.of();
        }
        DataBlock block = block(b, true);
        if (block == null) {
            return null;
        }
        try {
            return block.get(key);
        } catch (CorruptDataException e) {
            // A record that does not decode inside a block whose checksum held: damage all the same.
            throw markDamaged(b, e);
        }
    }

    /** The last block whose first key is at or before {@code key}, or -1. */
    private int blockFor(Key key) {
        int lo = 0;
        int hi = blockKeys.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (key.compareTo(blockTokens[mid], blockKeys[mid], 0, blockKeys[mid].length) >= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Block b from the cache, or read from disk; null if the table has been released. */
    private DataBlock block(int b, boolean fillCache) {
        long cacheKey = BlockCache.key(generation, b);
        DataBlock block = cache.get(cacheKey);
        if (block != null) {
            return block;
        }
        if (!tryRef()) {
            return null;
        }
        try {
            block = readBlock(b);
        } finally {
            unref();
        }
        if (fillCache) {
            cache.put(cacheKey, block);
        }
        return block;
    }

    /**
     * The block of {@code key}, as {@link BlockCache#key} names blocks, when that block is known to
     * be damaged; -1 when it is not (or the key is past every block). What a restored key is
     * restored over.
     */
    long damagedBlockOf(Key key) {
        int b = blockFor(key);
        return b >= 0 && damagedBlocks.containsKey(b) ? BlockCache.key(generation, b) : -1;
    }

    /** Copies block b out of its mapping and checks it. The caller holds a reference. */
    private DataBlock readBlock(int b) {
        String known = damagedBlocks.get(b);
        if (known != null) {
            // Answered from memory: a hot key in a damaged block would otherwise copy and check it
            // again on every read, to the same end.
            throw new CorruptDataException(known);
        }
        int chunk = Arrays.binarySearch(chunkStarts, blockOffsets[b]);
        if (chunk < 0) {
            chunk = -chunk - 2;
        }
        byte[] bytes = new byte[blockLengths[b]];
        chunks[chunk].get((int) (blockOffsets[b] - chunkStarts[chunk]), bytes, 0, bytes.length);
        try {
            return DataBlock.parse(bytes, 0, bytes.length, name, b, blockOffsets[b]);
        } catch (CorruptDataException e) {
            throw markDamaged(b, e);
        }
    }

    /** Remembers block b as damaged, logging it the first time; returns {@code e} for the caller to throw. */
    private CorruptDataException markDamaged(int b, CorruptDataException e) {
        // Once per block, however often its keys are read: an operator must hear of damage (it is
        // never returned as data), but a hot key must not flood the log.
        if (damagedBlocks.putIfAbsent(b, e.getMessage()) == null) {
            log.error("Corrupt data block {} of {} at offset {} ({} bytes): {}; reads of its keys answer from"
                    + " the rest of the store, marked incomplete, until read repair restores each key, and"
                    + " compactions leave the table out", b, file, blockOffsets[b], blockLengths[b],
                    e.getMessage());
        }
        return e;
    }

    /** How many of this table's data blocks were found damaged so far. */
    int damagedBlocks() {
        return damagedBlocks.size();
    }

    /** True once any data block of this table has been found damaged. */
    boolean isDamaged() {
        return !damagedBlocks.isEmpty();
    }

    /**
     * The key groups of {@code interval} in storage order. The caller must hold a reference for as
     * long as it uses the iterator. Blocks are read ahead in large runs and not cached, so a scan
     * or compaction neither pays a read per block nor evicts the hot set.
     */
    Iterator<KeyGroup> scan(KeyInterval interval) {
        return new Scanner(interval);
    }

    boolean tryRef() {
        while (true) {
            int n = refs.get();
            if (n == 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void unref() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            release();
        } else if (n < 0) {
            throw new IllegalStateException("SSTable " + name + " released more often than referenced");
        }
    }

    /** Deletes the file once the last reference is gone, then runs {@code onDeleted}. */
    void markObsolete(Runnable onDeleted) {
        this.onDeleted = onDeleted;
    }

    private void release() {
        for (MappedByteBuffer chunk : chunks) {
            MappedFiles.unmap(chunk);
        }
        Runnable deleted = onDeleted;
        if (deleted != null) {
            cache.invalidate(generation);
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new StorageException("cannot delete obsolete SSTable " + file + ": " + e.getMessage(), e);
            }
            deleted.run();
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /** Reads blocks in order and groups consecutive records by key. */
    private final class Scanner extends LookaheadIterator<KeyGroup> {
        private final KeyInterval interval;
        private final int firstBlock;
        private int nextBlock;
        private DataBlock block;
        private int entry;
        private boolean finished;

        Scanner(KeyInterval interval) {
            this.interval = interval;
            int start = 0;
            if (interval.fromInclusive() != null) {
                start = Math.max(0, blockFor(interval.fromInclusive()));
            }
            this.nextBlock = start;
            this.firstBlock = start;
            this.finished = meta.keyCount() == 0;
        }

        @Override
        protected KeyGroup computeNext() {
            if (finished) {
                return null;
            }
            Key key = null;
            List<Record> records = null;
            while (true) {
                if (block == null || entry == block.entryCount()) {
                    if (key != null) {
                        // A key never spans blocks, so its group ends with its block.
                        return new KeyGroup(key, records);
                    }
                    if (nextBlock == blockOffsets.length) {
                        finished = true;
                        return null;
                    }
                    block = readBlock(nextBlock);
                    entry = interval.fromInclusive() != null && nextBlock == firstBlock
                            ? block.firstAtOrAfter(interval.fromInclusive()) : 0;
                    nextBlock++;
                    continue;
                }
                Record r;
                try {
                    r = block.record(entry, key);
                } catch (CorruptDataException e) {
                    throw markDamaged(nextBlock - 1, e);
                }
                if (key != null && !r.key().equals(key)) {
                    return new KeyGroup(key, records);
                }
                if (key == null && interval.toExclusive() != null && r.key().compareTo(interval.toExclusive()) >= 0) {
                    finished = true;
                    return null;
                }
                entry++;
                if (key == null) {
                    key = r.key();
                    records = new ArrayList<>(1);
                }
                records.add(r);
            }
        }
    }
}
