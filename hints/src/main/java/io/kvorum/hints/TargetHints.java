package io.kvorum.hints;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.NodeId;
import io.kvorum.storage.Durability;
import io.kvorum.storage.StorageException;
import io.kvorum.storage.lsm.EntryLog;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hints for one target node: a log of its own in {@code <store>/<node id>/}, the checkpoint of how
 * far it has been delivered, and the counts behind the bounds and the stats.
 *
 * <p><b>Invariant.</b> {@code hints} and {@code hintBytes} count exactly the entries after the
 * checkpoint's position up to the log's last entry, each charged its {@link EntryLog#footprint}.
 * Space that an earlier process left in its segments (their unused ends, its spare segment) is
 * charged too, as {@code leftoverBytes}, until delivery passes its last segment and they are
 * deleted: otherwise each restart while the target is down would add files that no bound counts.
 *
 * <p><b>Window.</b> Measured from the creation time of the next hint to deliver: a target that is
 * down keeps its oldest hint, so the window closes once the target has missed writes for that long;
 * a target taking its hints moves it forward and keeps getting new ones.
 *
 * <p><b>Locks.</b> {@code state} guards the counts and orders appends: an add checks the bounds and
 * appends under it, so two adds cannot both pass a bound only one of them fits. {@code delivery}
 * serializes reading, acknowledging and truncating, which read the log, write the checkpoint and
 * delete segments, so none deletes a segment another reads. Order: delivery, then state. Under
 * state there is no I/O but the append (a copy into a mapped segment) and, after an acknowledgement,
 * the read of the one entry that gives the new oldest hint.
 */
final class TargetHints {
    private final NodeId target;
    private final Path dir;
    private final EntryLog log;
    private final HintOptions options;
    private final ByteBudget budget;
    private final Clock clock;
    /** The newest segment an earlier process left; -1 if none. */
    private final long lastOldSegmentId;

    private final ReentrantLock delivery = new ReentrantLock();
    private final Object state = new Object();

    /** [delivery] Every hint ending at or before it is delivered or dropped; the checkpoint holds it. */
    private long deliveredThrough;

    /** [state] */
    private long hints;
    /** [state] */
    private long hintBytes;
    /** [state] */
    private long leftoverBytes;
    /** [state] The creation time of the next hint to deliver; meaningful while hints > 0. */
    private long oldestCreatedAtMillis;
    /** [state] */
    private long delivered;
    /** [state] By {@link DropReason} ordinal. */
    private final long[] dropped = new long[DropReason.values().length];

    private TargetHints(NodeId target, Path dir, EntryLog log, HintOptions options, ByteBudget budget, Clock clock,
                        long deliveredThrough, Replayed replayed, long leftoverBytes, long lastOldSegmentId) {
        this.target = target;
        this.dir = dir;
        this.log = log;
        this.options = options;
        this.budget = budget;
        this.clock = clock;
        this.deliveredThrough = deliveredThrough;
        this.hints = replayed.hints;
        this.hintBytes = replayed.bytes;
        this.oldestCreatedAtMillis = replayed.firstCreatedAtMillis;
        this.leftoverBytes = leftoverBytes;
        this.lastOldSegmentId = lastOldSegmentId;
    }

    /** What replay found after the checkpoint. */
    private static final class Replayed {
        long hints;
        long bytes;
        long firstCreatedAtMillis;
    }

    /**
     * Opens the hints in {@code dir} (which exists): reads the checkpoint, replays the log after it
     * and charges what it holds to {@code budget}.
     */
    static TargetHints open(NodeId target, Path dir, HintOptions options, Clock clock, ByteBudget budget,
                            Executor allocator) {
        long from = DeliveryCheckpoint.read(dir, options.corruptionPolicy());
        Replayed replayed = new Replayed();
        EntryLog log = EntryLog.open(dir, from, options.segmentBytes(), options.corruptionPolicy(),
                HintSettings.CORRUPTION_POLICY.key(), allocator, (end, payload) -> {
                    int size = payload.remaining();
                    if (replayed.hints == 0) {
                        replayed.firstCreatedAtMillis = createdAt(dir, end, payload);
                    }
                    replayed.hints++;
                    replayed.bytes += EntryLog.footprint(size);
                });
        long[] ids = log.segmentIds();
        long leftover = Math.max(0, log.fileBytes() - replayed.bytes);
        budget.charge(replayed.bytes + leftover);
        return new TargetHints(target, dir, log, options, budget, clock, from, replayed, leftover,
                ids.length == 0 ? -1 : ids[ids.length - 1]);
    }

    NodeId target() {
        return target;
    }

    EntryLog log() {
        return log;
    }

    /**
     * Appends the hint in {@code entry} (as {@link HintCodec#encode} made it) unless a bound refuses
     * it; returns the bound that did, or null once it is stored (and fsynced, if durable).
     */
    DropReason add(long createdAtMillis, byte[] entry, Durability durability) {
        long charge = EntryLog.footprint(entry.length - EntryLog.HEADER_BYTES);
        long end;
        synchronized (state) {
            DropReason refused = refusal(createdAtMillis, charge);
            if (refused == null && !budget.tryReserve(charge)) {
                refused = DropReason.TOTAL_BYTES;
            }
            if (refused != null) {
                dropped[refused.ordinal()]++;
                return refused;
            }
            try {
                end = log.append(entry, entry.length);
            } catch (RuntimeException | Error e) {
                budget.release(charge);
                throw e;
            }
            if (hints == 0) {
                oldestCreatedAtMillis = createdAtMillis;
            }
            hints++;
            hintBytes += charge;
        }
        if (durability == Durability.DURABLE) {
            log.awaitDurable(end);
        }
        return null;
    }

    /** [state] The per-target bound that refuses a hint, or null. */
    private DropReason refusal(long createdAtMillis, long charge) {
        long now = clock.nowMillis();
        if (now - createdAtMillis > options.windowMs() || (hints > 0 && now - oldestCreatedAtMillis > options.windowMs())) {
            return DropReason.WINDOW;
        }
        if (hintBytes + leftoverBytes + charge > options.maxBytesPerTarget()) {
            return DropReason.TARGET_BYTES;
        }
        return null;
    }

    /** Hints after {@code from} (or after the checkpoint, if later), up to {@code maxBytes} of payload. */
    HintBatch next(HintCursor from, long maxBytes) {
        delivery.lock();
        try {
            long start = Math.max(from.position(), deliveredThrough);
            List<Hint> out = new ArrayList<>();
            long end = log.read(start, Long.MAX_VALUE, maxBytes, (pos, payload) -> out.add(decode(pos, payload)));
            return new HintBatch(out, new HintCursor(end));
        } finally {
            delivery.unlock();
        }
    }

    /**
     * Durably records that every hint up to {@code through} was delivered, except {@code expired} of
     * them that were too old to deliver, then frees the segments before it. Returns how many hints
     * that acknowledged; 0 if they already were.
     */
    long acknowledge(HintCursor through, long expired) {
        delivery.lock();
        try {
            long to = through.position();
            if (to <= deliveredThrough) {
                return 0;
            }
            long last = log.lastEntryEnd();
            Checks.require(to <= last, "cursor", through, "at most the end of the last hint for " + target + ", "
                    + EntryLog.describe(last));
            long[] scanned = {0, 0, deliveredThrough}; // hints, bytes, end of the last
            log.read(deliveredThrough, to, Long.MAX_VALUE, (pos, payload) -> {
                scanned[0]++;
                scanned[1] += EntryLog.footprint(payload.remaining());
                scanned[2] = pos;
            });
            Checks.require(scanned[2] == to, "cursor", through, "the end of a hint for " + target);
            Checks.require(expired >= 0 && expired <= scanned[0], "expired", expired,
                    "at most the " + scanned[0] + " hints acknowledged");
            passCheckpoint(to, scanned[0], scanned[1], 0, expired);
            return scanned[0];
        } finally {
            delivery.unlock();
        }
    }

    /** Drops every hint stored so far, counting them as truncated; returns how many. */
    long truncate() {
        delivery.lock();
        try {
            long last;
            long n;
            long bytes;
            synchronized (state) {
                last = log.lastEntryEnd();
                n = hints;
                bytes = hintBytes;
            }
            if (n == 0) {
                return 0;
            }
            passCheckpoint(last, n, bytes, n, 0);
            return n;
        } finally {
            delivery.unlock();
        }
    }

    /**
     * [delivery] Moves the checkpoint to {@code to}, durably first, past {@code n} hints of {@code bytes}:
     * {@code truncated} of them dropped by an operator, {@code expired} too old, the rest delivered.
     */
    private void passCheckpoint(long to, long n, long bytes, long truncated, long expired) {
        DeliveryCheckpoint.write(dir, to);
        deliveredThrough = to;
        synchronized (state) {
            hints -= n;
            hintBytes -= bytes;
            budget.release(bytes);
            dropped[DropReason.TRUNCATED.ordinal()] += truncated;
            dropped[DropReason.EXPIRED.ordinal()] += expired;
            delivered += n - truncated - expired;
            if (leftoverBytes > 0 && (to >>> 32) > lastOldSegmentId) {
                budget.release(leftoverBytes); // the segments holding it go below
                leftoverBytes = 0;
            }
            if (hints > 0) {
                oldestCreatedAtMillis = createdAtOfHintAfter(to);
            }
        }
        log.discardBefore(to);
    }

    /** [state] The creation time of the first hint after {@code position}, which exists. */
    private long createdAtOfHintAfter(long position) {
        long[] createdAt = {-1};
        log.read(position, Long.MAX_VALUE, 1, (pos, payload) -> createdAt[0] = createdAt(dir, pos, payload));
        if (createdAt[0] < 0) {
            throw new IllegalStateException(hints + " hints for " + target + " counted after "
                    + EntryLog.describe(position) + ", none found in " + dir);
        }
        return createdAt[0];
    }

    HintStats stats() {
        long now = clock.nowMillis();
        synchronized (state) {
            return new HintStats(target, hints, hintBytes + leftoverBytes,
                    hints == 0 ? 0 : Math.max(0, now - oldestCreatedAtMillis), delivered,
                    dropped[DropReason.TARGET_BYTES.ordinal()], dropped[DropReason.TOTAL_BYTES.ordinal()],
                    dropped[DropReason.WINDOW.ordinal()], dropped[DropReason.EXPIRED.ordinal()],
                    dropped[DropReason.TRUNCATED.ordinal()]);
        }
    }

    long dropped(DropReason reason) {
        synchronized (state) {
            return dropped[reason.ordinal()];
        }
    }

    void sync() {
        log.sync();
    }

    void close() {
        log.close();
    }

    void crashForTest() {
        log.crashForTest();
    }

    /**
     * For a target found with nothing to deliver at open: closes the log (which made no file) and
     * deletes the directory, returning its charge, so idle targets hold no disk.
     */
    void deleteFiles() {
        log.close();
        synchronized (state) {
            budget.release(hintBytes + leftoverBytes);
            hintBytes = 0;
            leftoverBytes = 0;
        }
        try {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new StorageException("cannot delete the hint directory " + dir + " of " + target
                    + ", which holds no undelivered hint: " + e, e);
        }
    }

    private Hint decode(long end, ByteReader payload) {
        try {
            return HintCodec.decode(payload, new HintCursor(end));
        } catch (CorruptDataException e) {
            throw new CorruptDataException("hint for " + target + " ending at " + EntryLog.describe(end) + " in " + dir
                    + " passes its checksum but does not decode: " + e.getMessage(), e);
        }
    }

    private static long createdAt(Path dir, long end, ByteReader payload) {
        try {
            return HintCodec.createdAt(payload);
        } catch (CorruptDataException e) {
            throw new CorruptDataException("hint ending at " + EntryLog.describe(end) + " in " + dir
                    + " passes its checksum but does not decode: " + e.getMessage(), e);
        }
    }
}
