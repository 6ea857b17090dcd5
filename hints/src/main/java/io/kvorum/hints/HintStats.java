package io.kvorum.hints;

import io.kvorum.core.NodeId;

/**
 * What the store holds for one target, for operators and metrics. {@code hints} and {@code bytes}
 * are undelivered hints now (bytes as charged against the bounds, with space that earlier processes
 * left in segments not yet freed); {@code oldestAgeMillis} is the age of the next hint to deliver (0
 * with none); the counts are since the store opened.
 */
public record HintStats(
        NodeId target,
        long hints,
        long bytes,
        long oldestAgeMillis,
        long delivered,
        long droppedOverTargetBytes,
        long droppedOverTotalBytes,
        long droppedPastWindow,
        long expired,
        long truncated) {

    public long dropped(DropReason reason) {
        return switch (reason) {
            case TARGET_BYTES -> droppedOverTargetBytes;
            case TOTAL_BYTES -> droppedOverTotalBytes;
            case WINDOW -> droppedPastWindow;
            case EXPIRED -> expired;
            case TRUNCATED -> truncated;
        };
    }

    /** Hints dropped for any reason. */
    public long dropped() {
        return droppedOverTargetBytes + droppedOverTotalBytes + droppedPastWindow + expired + truncated;
    }
}
