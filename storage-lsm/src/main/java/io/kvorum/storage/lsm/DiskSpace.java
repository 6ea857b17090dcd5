package io.kvorum.storage.lsm;

import io.kvorum.core.Clock;
import io.kvorum.core.RateLimitedLog;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store's volume has run out of space, and since when.
 *
 * <p>A full disk is an operating error, not a broken store: unlike a failed fsync or a damaged
 * file it says nothing about what is already written, and it ends when an operator frees space.
 * So it does not stop the store (as {@link StoreStatus} does for other I/O errors). The write that
 * meets it fails with a clear {@link io.kvorum.storage.StorageException} and leaves nothing behind:
 * a commit-log segment is preallocated before any entry goes in it, and a half-written table is
 * deleted. A flush that fails waits to be retried ({@link Flusher}); a compaction or cleanup rolls
 * back. Everything resumes by itself once space is back.
 *
 * <p><b>Episodes.</b> One begins when a write the store keeps needing fails for want of space (a
 * commit-log segment that cannot be allocated, a flush or a background compaction whose table cannot
 * be written) and ends once each kind that failed during it has succeeded since. Ending it at the
 * first success of any kind would be too soon: a small flush may fit where a segment does not, and
 * the episode would end and begin again at every write. Each start and end is one line, naming the
 * directory and the free bytes; the writes that fail in between are only counted, since a busy node
 * would otherwise log one per request. The lines share a {@link RateLimitedLog}, so a volume that
 * hovers at its limit, starting and ending episodes all the time, cannot flood the log either. What
 * an operator runs and is answered about (a major compaction, a cleanup) is not part of an episode:
 * its caller gets the error, and the log gets one rate-limited line.
 *
 * <p>Thread-safe.
 */
final class DiskSpace {
    private static final Logger log = LoggerFactory.getLogger(DiskSpace.class);
    /** Episode lines at once, and then one per this interval. */
    private static final int LINES_BURST = 4;
    private static final long LINES_INTERVAL_MS = 60_000;

    /** The writes the store keeps needing space for, each of which must succeed again to end an episode. */
    enum Need {
        COMMIT_LOG("allocation of a commit log segment"),
        FLUSH("flush of a memtable"),
        COMPACTION("compaction");

        private final String operation;

        Need(String operation) {
            this.operation = operation;
        }
    }

    /** A run of writes failing for want of space: where the first failed, what it was, and when. */
    record Episode(Path dir, String operation, long sinceMillis) {
    }

    private final Clock clock;
    private final RateLimitedLog lines;
    /** Guards the episode and the needs failing in it. */
    private final Object lock = new Object();
    private final EnumSet<Need> failing = EnumSet.noneOf(Need.class);
    private volatile Episode episode;
    private long failedInEpisode;

    DiskSpace(Clock clock) {
        this.clock = clock;
        this.lines = new RateLimitedLog(log, LINES_BURST, LINES_INTERVAL_MS, clock::nanoTime);
    }

    /**
     * True when {@code e}, or what caused it, is the operating system's "no space left on device"
     * (ENOSPC) or "disk quota exceeded" (EDQUOT). Java reports both only as an
     * {@link IOException}'s message.
     */
    static boolean isFull(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof IOException) {
                String m = t instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                        : t.getMessage();
                if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Bytes this process may still write on the volume of {@code dir}; -1 when it cannot be told. */
    static long freeBytes(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Records that {@code need} in {@code dir} failed for want of space; the first failure of an
     * episode is logged. {@code cause} is null when the write was not tried, the space it needs being gone.
     */
    void full(Need need, Path dir, Throwable cause) {
        boolean started = false;
        synchronized (lock) {
            failing.add(need);
            failedInEpisode++;
            if (episode == null) {
                episode = new Episode(dir, need.operation, clock.nowMillis());
                failedInEpisode = 1;
                started = true;
            }
        }
        if (started) {
            lines.warn("Disk full: " + need.operation + " in " + dir + " failed (" + reason(cause) + "), "
                    + freeBytes(dir) + " bytes free. Writes that need space fail with a clear error until space"
                    + " is freed on that volume; they resume by themselves then, and nothing written is lost");
        }
    }

    /** Records that {@code need} got the space it needed; the episode ends once every need that failed has. */
    void available(Need need) {
        if (episode == null) {
            return;
        }
        Episode ended = null;
        long failed;
        synchronized (lock) {
            failing.remove(need);
            failed = failedInEpisode;
            if (failing.isEmpty() && episode != null) {
                ended = episode;
                episode = null;
            }
        }
        if (ended != null) {
            lines.info("Disk space again in " + ended.dir() + ": " + need.operation + " succeeded, "
                    + freeBytes(ended.dir()) + " bytes free; " + failed + " allocation(s) or table write(s) had"
                    + " failed for want of space since the " + ended.operation() + " failed at "
                    + Instant.ofEpochMilli(ended.sinceMillis()));
        }
    }

    /** True while {@code need} has failed for want of space and not succeeded since. */
    boolean failing(Need need) {
        synchronized (lock) {
            return failing.contains(need);
        }
    }

    /** An operator's operation ran out of space: one rate-limited line; its caller gets the error. */
    void failedOnce(String operation, Path dir, Throwable cause) {
        lines.warn("Disk full: " + operation + " in " + dir + " stopped (" + reason(cause) + "), " + freeBytes(dir)
                + " bytes free; it was rolled back, and can be run again once space is freed");
    }

    /** The running episode, or null when every write that needed space since has got it. */
    Episode episode() {
        return episode;
    }

    /** How the operating system put it (the innermost message), or that too little space was left to try. */
    private static String reason(Throwable e) {
        if (e == null) {
            return "less space free than it needs";
        }
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
