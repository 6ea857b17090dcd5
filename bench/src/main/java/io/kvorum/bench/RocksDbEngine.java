package io.kvorum.bench;

import io.kvorum.storage.lsm.LsmOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteOptions;

/**
 * RocksDB, configured to do the same work as Kvorum's engine with the same memory, as the
 * yardstick the benchmark compares against.
 *
 * <p>What is matched, from Kvorum's {@link LsmOptions}:
 * <ul>
 *   <li>WAL on, {@code sync=false}: each write is logged but not fsynced, like Kvorum's
 *       {@code PERIODIC} durability (Kvorum additionally fsyncs once per sync period);
 *   <li>{@code write_buffer_size} = {@code storage.memtable_max_bytes}, and
 *       {@code max_write_buffer_number} = {@code storage.memtable_max_pending_flushes} + 1 (the
 *       active memtable plus as many frozen ones as Kvorum lets wait for a flush);
 *   <li>a block-based table with an LRU block cache of {@code storage.block_cache_bytes} (none when
 *       that is 0), {@code storage.sstable_block_bytes} blocks and a Bloom filter of
 *       {@code storage.bloom_bits_per_key} bits per key;
 *   <li>{@code max_open_files} = {@code storage.max_open_files};
 *   <li>no compression, because Kvorum does not compress yet.
 * </ul>
 * Everything else is RocksDB's default, including level-style compaction with its two background
 * jobs and no rate limiter (a RocksDB rate limiter would throttle flushes as well as compaction, so
 * Kvorum's compaction throughput cap has no faithful equivalent). {@link #close()} flushes the
 * memtable first, so both engines end a round with their data in table files.
 */
final class RocksDbEngine implements StorageEngine {
    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    private final FlushOptions flushOptions;
    /** Native objects to free on close, in the reverse order of their creation. */
    private final List<RocksObject> owned;
    /** A second close must not touch the freed native handles. */
    private boolean closed;

    private RocksDbEngine(RocksDB db, WriteOptions writeOptions, ReadOptions readOptions, FlushOptions flushOptions,
                          List<RocksObject> owned) {
        this.db = db;
        this.writeOptions = writeOptions;
        this.readOptions = readOptions;
        this.flushOptions = flushOptions;
        this.owned = owned;
    }

    static RocksDbEngine open(Path dir, LsmOptions options) {
        RocksDB.loadLibrary();
        List<RocksObject> owned = new ArrayList<>();
        try {
            BlockBasedTableConfig table = new BlockBasedTableConfig()
                    .setBlockSize(options.blockBytes())
                    .setFilterPolicy(own(owned, new BloomFilter(options.bloomBitsPerKey(), false)));
            if (options.blockCacheBytes() > 0) {
                table.setBlockCache(own(owned, new LRUCache(options.blockCacheBytes())));
            } else {
                table.setNoBlockCache(true);
            }
            Options dbOptions = own(owned, new Options())
                    .setCreateIfMissing(true)
                    .setWriteBufferSize(options.memtableMaxBytes())
                    .setMaxWriteBufferNumber(options.maxPendingFlushes() + 1)
                    .setMaxOpenFiles(options.maxOpenFiles())
                    .setCompressionType(CompressionType.NO_COMPRESSION)
                    .setTableFormatConfig(table);
            WriteOptions writeOptions = own(owned, new WriteOptions().setSync(false).setDisableWAL(false));
            ReadOptions readOptions = own(owned, new ReadOptions());
            FlushOptions flushOptions = own(owned, new FlushOptions().setWaitForFlush(true));
            RocksDB db = RocksDB.open(dbOptions, dir.toString());
            return new RocksDbEngine(db, writeOptions, readOptions, flushOptions, owned);
        } catch (RocksDBException | RuntimeException e) {
            closeAll(owned);
            throw new IllegalStateException("rocksdb: cannot open " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The configuration {@link #open} applies, for the report header. */
    static String describe(LsmOptions options) {
        RocksDB.loadLibrary();
        return "RocksDB " + RocksDB.rocksdbVersion() + ": WAL on, sync=false; write_buffer_size "
                + ByteSizes.of(options.memtableMaxBytes()) + ", max_write_buffer_number "
                + (options.maxPendingFlushes() + 1) + "; LRU block cache " + ByteSizes.of(options.blockCacheBytes())
                + "; block " + ByteSizes.of(options.blockBytes()) + "; Bloom " + options.bloomBitsPerKey()
                + " bits/key; no compression; max_open_files " + options.maxOpenFiles()
                + "; level compaction (default); close flushes";
    }

    @Override
    public void put(byte[] key, byte[] value) {
        try {
            db.put(writeOptions, key, value);
        } catch (RocksDBException e) {
            throw new IllegalStateException("rocksdb: put failed: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return db.get(readOptions, key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("rocksdb: get failed: " + e.getMessage(), e);
        }
    }

    @Override
    public ScanTally scanAll() {
        long records = 0;
        long valueBytes = 0;
        try (RocksIterator it = db.newIterator(readOptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                // Key and value are both copied out, as Kvorum's scan materialises each Record.
                it.key();
                valueBytes += it.value().length;
                records++;
            }
            it.status();
        } catch (RocksDBException e) {
            throw new IllegalStateException("rocksdb: scan failed: " + e.getMessage(), e);
        }
        return new ScanTally(records, valueBytes);
    }

    @Override
    public void flush() {
        try {
            db.flush(flushOptions);
        } catch (RocksDBException e) {
            throw new IllegalStateException("rocksdb: flush failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } finally {
            db.close();
            closeAll(owned);
        }
    }

    private static <T extends RocksObject> T own(List<RocksObject> owned, T object) {
        owned.add(object);
        return object;
    }

    private static void closeAll(List<RocksObject> owned) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
