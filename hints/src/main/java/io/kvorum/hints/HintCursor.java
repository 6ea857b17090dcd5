package io.kvorum.hints;

import io.kvorum.core.Checks;
import io.kvorum.storage.lsm.EntryLog;

/**
 * A place in one target's hints: just after a hint that {@link HintStore#next} returned, or
 * {@link #START}, the first hint not yet acknowledged. Cursors grow along a target's hints and are
 * meaningful only to the store that made them, for that target, until it closes.
 */
public final class HintCursor implements Comparable<HintCursor> {
    /** Before every hint; reading from it starts at the first hint not yet acknowledged. */
    public static final HintCursor START = new HintCursor(0);

    private final long position;

    HintCursor(long position) {
        Checks.require(position >= 0, "position", position, ">= 0");
        this.position = position;
    }

    /** The position in the target's log (see {@link EntryLog}). */
    long position() {
        return position;
    }

    @Override
    public int compareTo(HintCursor o) {
        return Long.compare(position, o.position);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HintCursor c && c.position == position;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(position);
    }

    @Override
    public String toString() {
        return position == 0 ? "start" : EntryLog.describe(position);
    }
}
