package io.kvorum.storage.lsm;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Decoded SSTable data blocks kept on the heap, bounded in bytes, shared by every table of a store.
 *
 * <p>Caffeine's W-TinyLFU admission keeps a scan or compaction of cold blocks from flushing out
 * the hot ones, which a plain LRU would not. Blocks are immutable, so a cached block of a table
 * that a compaction has just replaced is still correct; {@link #invalidate} only frees its space.
 */
final class BlockCache {
    private final Cache<Long, DataBlock> cache;

    BlockCache(long maxBytes) {
        this.cache = maxBytes == 0 ? null : Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Long k, DataBlock b) -> b.weight())
                .executor(Runnable::run)
                .build();
    }

    /** A block's cache key: its table's generation and its index in the table. */
    static long key(long generation, int blockIndex) {
        return generation << 32 | blockIndex;
    }

    DataBlock get(long key) {
        return cache == null ? null : cache.getIfPresent(key);
    }

    void put(long key, DataBlock block) {
        if (cache != null) {
            cache.put(key, block);
        }
    }

    /** Drops the blocks of a deleted table. */
    void invalidate(long generation) {
        if (cache != null) {
            cache.asMap().keySet().removeIf(k -> k >>> 32 == generation);
        }
    }

    long weightedBytes() {
        return cache == null ? 0 : cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }
}
