package io.kvorum.storage.lsm;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code sstables/} directory as the writers of tables see it: the next free generation, the
 * block cache new tables share, and the two ways to write a table. A flush writes level 0 at full
 * speed, because writers may be waiting for it; a compaction or cleanup writes through the
 * {@code storage.compaction_throughput_bytes_per_second} limiter, because nobody waits for it and
 * foreground reads and writes need the disk more.
 *
 * <p>Generations only grow, and a crashed store restarts above the highest it finds, so a name is
 * never reused: a reader or a {@link CompactionTxn} that names a generation means one file.
 */
final class TableFiles {
    private final Path dir;
    private final LsmOptions options;
    private final BlockCache cache;
    /** Used only under the compaction lock (compactions and cleanup steps), as it is not thread-safe. */
    private final RateLimiter compactionLimiter;
    private final AtomicLong nextGeneration;

    TableFiles(Path dir, LsmOptions options, BlockCache cache, RateLimiter compactionLimiter, long firstGeneration) {
        this.dir = dir;
        this.options = options;
        this.cache = cache;
        this.compactionLimiter = compactionLimiter;
        this.nextGeneration = new AtomicLong(firstGeneration);
    }

    /** The generation after the highest of {@code tables}, where a store with them starts counting. */
    static long generationAfter(List<SSTableReader> tables) {
        long max = 0;
        for (SSTableReader t : tables) {
            max = Math.max(max, t.generation());
        }
        return max + 1;
    }

    Path dir() {
        return dir;
    }

    BlockCache cache() {
        return cache;
    }

    long nextGeneration() {
        return nextGeneration.getAndIncrement();
    }

    /** Writes a memtable's key groups to a new level-0 table, unpaced. */
    SSTableReader writeLevel0(Iterator<KeyGroup> groups, long replayedThrough) {
        try (SSTableWriter w = SSTableWriter.create(dir, nextGeneration(), (int) options.blockBytes(),
                options.bloomBitsPerKey(), null)) {
            while (groups.hasNext()) {
                KeyGroup g = groups.next();
                w.append(g.key(), g.records());
            }
            return w.finish(replayedThrough, 0, cache);
        }
    }

    /** [compaction lock held] A writer of output {@code generation}, paced by the compaction limiter. */
    SSTableWriter pacedWriter(long generation) {
        return SSTableWriter.create(dir, generation, (int) options.blockBytes(), options.bloomBitsPerKey(),
                compactionLimiter);
    }

    /** Starts the log of a replacement of {@code inputs}, named after a fresh generation. */
    CompactionTxn beginReplacement(long[] inputs) {
        return CompactionTxn.begin(dir, nextGeneration(), inputs);
    }
}
