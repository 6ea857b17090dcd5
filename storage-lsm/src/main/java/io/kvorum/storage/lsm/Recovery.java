package io.kvorum.storage.lsm;

import io.kvorum.core.Clock;
import io.kvorum.core.Record;
import io.kvorum.storage.KeyInterval;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a store's files after a clean stop or a crash, so that each start begins from tables alone.
 *
 * <p><b>Crashes.</b> A flushed table records the last log segment it covers, so replay skips what
 * was flushed; a table is written under a temporary name and renamed only once durable; a
 * compaction, which may write several tables, keeps a {@link CompactionTxn} log so that a crash
 * leaves its inputs or all of its outputs, never a mix. Opening therefore, in this order: resolves
 * interrupted compactions and cleanups (roll forward if committed, else back), deletes unfinished
 * tables, opens every table, replays the log past what the tables cover into one memtable, flushes
 * that memtable to a level-0 table, and trims the log: what was replayed is then in a table, and
 * the store starts with an empty log.
 *
 * <p>Torn log tails are cut; a damaged entry inside the log follows
 * {@code storage.commitlog_corruption_policy}; a damaged table stops the open with its file's name.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** What an open found: the tables, newest first, the log to append to, and the directory to write tables in. */
    record Recovered(List<SSTableReader> tables, CommitLog commitLog, TableFiles files) {
    }

    private Recovery() {
    }

    /**
     * Recovers the store in {@code dir}. On failure every table it opened is released again.
     *
     * @param allocator prepares the log's next segments
     * @param space     told of segment allocations that fail for want of space
     */
    static Recovered run(Path dir, LsmOptions options, BlockCache cache, RateLimiter compactionLimiter,
                         Executor allocator, Clock clock, DiskSpace space) throws IOException {
        Path tableDir = dir.resolve(LsmStore.SSTABLE_DIR);
        Path logDir = dir.resolve(LsmStore.COMMITLOG_DIR);
        Files.createDirectories(tableDir);
        Files.createDirectories(logDir);
        long startNanos = clock.nanoTime();
        List<SSTableReader> tables = new ArrayList<>();
        try {
            long replayedThrough = openTables(tableDir, cache, tables);
            TableFiles files = new TableFiles(tableDir, options, cache, compactionLimiter,
                    TableFiles.generationAfter(tables));

            Memtable recovered = new Memtable();
            CommitLog.ReplayResult replay = CommitLog.replay(logDir, replayedThrough, options.corruptionPolicy(),
                    (segment, payload) -> {
                        for (Record r : BatchCodec.decode(payload)) {
                            recovered.put(r);
                        }
                    });
            long lastSegment = Math.max(replay.maxSegmentId(), replayedThrough);
            if (!recovered.isEmpty()) {
                tables.add(files.writeLevel0(recovered.groups(new KeyInterval(null, null)), lastSegment));
            }
            long segmentBytes = SegmentSize.choose(options.commitLogSegmentBytes(), logDir, lastSegment);
            CommitLog commitLog = CommitLog.create(logDir, lastSegment + 1, segmentBytes, allocator, space);
            commitLog.discardThrough(lastSegment);
            tables.sort(Comparator.comparingLong(SSTableReader::generation).reversed());
            log.info("Opened store {}: {} SSTables ({} bytes); replayed {} entries from {} commit log segments"
                            + " ({} torn bytes discarded) in {} ms", dir, tables.size(), TableView.totalBytes(tables),
                    replay.entriesReplayed(), replay.segmentsReplayed(), replay.tornBytesDiscarded(),
                    TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startNanos));
            return new Recovered(List.copyOf(tables), commitLog, files);
        } catch (IOException | RuntimeException | Error e) {
            for (SSTableReader t : tables) {
                t.unref();
            }
            throw e;
        }
    }

    /**
     * Resolves interrupted compactions, deletes unfinished tables, opens every table into
     * {@code tables}, and returns the last commit-log segment the tables cover.
     */
    private static long openTables(Path tableDir, BlockCache cache, List<SSTableReader> tables) throws IOException {
        CompactionTxn.recover(tableDir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tableDir)) {
            for (Path p : s) {
                if (p.getFileName().toString().endsWith(SSTableFormat.TMP_SUFFIX)) {
                    log.info("Deleting unfinished SSTable {} left by an interrupted flush", p);
                    Files.delete(p);
                } else if (SSTableFormat.generationOf(p) >= 0) {
                    files.add(p);
                }
            }
        }
        files.sort(Comparator.naturalOrder());
        long replayedThrough = -1;
        for (Path p : files) {
            SSTableReader t = SSTableReader.open(p, SSTableFormat.generationOf(p), cache);
            tables.add(t);
            replayedThrough = Math.max(replayedThrough, t.metadata().replayedThroughSegment());
        }
        return replayedThrough;
    }
}
