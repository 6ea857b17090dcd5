package io.kvorum.storage.lsm;

import io.kvorum.core.Setting;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit-log segment size a store starts with: {@code storage.commitlog_segment_bytes}, or less
 * on a volume too small for it.
 *
 * <p><b>Why adapt.</b> Segments are preallocated in full, and the log always holds the current
 * segment and a spare, plus those of memtables waiting for their flush. The 32 MiB default on a
 * 48 MiB volume fills it with two segments and leaves no room for tables: the first flush fails, and
 * the first roll after it, and every write with them. A smaller segment is safe: the size bounds
 * only how much of the log one file holds. An entry larger than a segment gets a segment of its own,
 * replay reads each segment's capacity from its header (so a log written with another size replays
 * as it is), and a memtable's writes span however many segments they take. So the store picks the
 * largest size that gives {@link #SEGMENTS_PER_VOLUME} segments room in the space free to the log,
 * in whole MiB, and logs that once. It refuses to start, in one line naming the setting and the free
 * space, only when even {@link #MIN_SEGMENT_BYTES} segments do not fit.
 *
 * <p>The space counted is what is free now plus the segment files a previous run left, which the
 * store deletes as soon as it has started (their entries are in a table by then).
 */
final class SegmentSize {
    private static final Logger log = LoggerFactory.getLogger(SegmentSize.class);
    private static final long MIB = 1 << 20;
    /**
     * Segments that must fit in the space free to the log: the current one and its spare take a
     * quarter of it, leaving the rest for tables and for the log of memtables waiting to flush.
     */
    static final int SEGMENTS_PER_VOLUME = 8;
    /** The smallest size adapting goes down to: the setting's own minimum. */
    static final long MIN_SEGMENT_BYTES = LsmSettings.MIN_COMMITLOG_SEGMENT_BYTES;

    private SegmentSize() {
    }

    /**
     * The segment size for a log in {@code logDir}, whose segments up to {@code replayedThrough}
     * are about to be deleted.
     *
     * @throws StorageException naming the setting and the free space, when not even the smallest fits
     */
    static long choose(long configured, Path logDir, long replayedThrough) throws IOException {
        long free = DiskSpace.freeBytes(logDir);
        if (free < 0) {
            return configured; // a volume that cannot say: nothing to adapt to
        }
        long leftover = 0;
        for (long id : CommitLog.listSegmentIds(logDir)) {
            if (id <= replayedThrough) {
                leftover += Files.size(CommitLog.segmentPath(logDir, id));
            }
        }
        long chosen = choose(configured, free + leftover, logDir);
        if (chosen != configured) {
            Setting<Long> setting = LsmSettings.COMMITLOG_SEGMENT_BYTES;
            log.warn("{} is {} but the commit log's volume ({}) has {} free, room for fewer than {} segments of it;"
                            + " using {} segments instead. Set {}={} or less to start without this warning, or give"
                            + " the store a larger volume", setting.key(), mib(configured), logDir,
                    mib(free + leftover), SEGMENTS_PER_VOLUME, mib(chosen), setting.key(), setting.format(chosen));
        }
        return chosen;
    }

    /**
     * The decision alone: {@code configured} when {@link #SEGMENTS_PER_VOLUME} of it fit in
     * {@code availableBytes}, else the largest whole number of MiB that does, at least
     * {@link #MIN_SEGMENT_BYTES}.
     *
     * @throws StorageException when not even {@link #MIN_SEGMENT_BYTES} segments fit
     */
    static long choose(long configured, long availableBytes, Path logDir) {
        if (availableBytes / SEGMENTS_PER_VOLUME >= configured) {
            return configured;
        }
        long fitting = availableBytes / SEGMENTS_PER_VOLUME / MIB * MIB;
        if (fitting < MIN_SEGMENT_BYTES) {
            throw new StorageException(LsmSettings.COMMITLOG_SEGMENT_BYTES.key() + ": the commit log's volume ("
                    + logDir + ") has " + mib(availableBytes) + " free, too little for " + SEGMENTS_PER_VOLUME
                    + " segments of even the smallest size, " + mib(MIN_SEGMENT_BYTES) + "; free space there or put"
                    + " the data directory (node.data_dir) on a volume with at least "
                    + mib(SEGMENTS_PER_VOLUME * MIN_SEGMENT_BYTES) + " free");
        }
        return fitting;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }
}
