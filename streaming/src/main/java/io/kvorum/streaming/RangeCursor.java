package io.kvorum.streaming;

import io.kvorum.streaming.StreamMessages.StreamChunk;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;

/**
 * Positions within a range as a stream walks it: pure functions shared by the source, which
 * continues a scan after a cursor, and the receiver, which checks that a chunk really continues
 * from its cursor before applying it.
 *
 * <p>The order is the one {@link io.kvorum.storage.ReplicaStore#scan} yields: by key (token, then
 * bytes), and for a wrapping range the part after its start first. A full range is first rewritten
 * as {@code (MIN, MAX]}, which holds the same keys (no key has token {@code MIN}) but does not wrap,
 * so its order does not depend on where a store starts scanning a range that starts and ends at
 * the same token.
 */
final class RangeCursor {
    private RangeCursor() {
    }

    /** {@code range}, with a full range as the non-wrapping {@code (MIN, MAX]}. */
    static TokenRange normalize(TokenRange range) {
        return range.isFull() ? TokenRange.of(Token.MIN, Token.MAX) : range;
    }

    /**
     * The smallest range, in scan order a suffix of {@code range}, that holds every key of
     * {@code range} after {@code cursor}: {@code (t - 1, end]} for the cursor's token t. It still
     * holds the keys of token t up to the cursor (tokens collide, rarely), which the caller skips.
     *
     * @param range a normalized range (not full) that contains the cursor's token
     */
    static TokenRange remainder(TokenRange range, Key cursor) {
        long t = cursor.token();
        // t > MIN (no key has token MIN), so t - 1 does not overflow. When the range does not wrap,
        // start < t <= end gives start <= t - 1 < end: the remainder does not wrap either. When it
        // wraps, a token in its tail (t > start > end) leaves (t - 1, end], still wrapping and never
        // full; a token in its head (t <= end) leaves (t - 1, end], which no longer wraps.
        return TokenRange.of(t - 1, range.end());
    }

    /** Compares two keys of {@code range} (normalized) by where its scan meets them. */
    static int compare(TokenRange range, Key a, Key b) {
        if (range.wraps()) {
            boolean aTail = a.token() > range.start();
            boolean bTail = b.token() > range.start();
            if (aTail != bTail) {
                return aTail ? -1 : 1;
            }
        }
        return a.compareTo(b);
    }

    /**
     * Why {@code chunk} is not a valid continuation of {@code range} after {@code cursor}, or null
     * when it is: every record in the range, keys strictly after the cursor and in scan order, and
     * progress unless the range is exhausted. A receiver must not apply records of keys it did not
     * ask for, and must not loop on a source that answers without moving forward.
     */
    static String invalid(TokenRange range, Key cursor, StreamChunk chunk) {
        if (chunk.records().isEmpty() && !chunk.done()) {
            return "an empty chunk that is not the last";
        }
        Key previous = cursor;
        boolean first = true;
        for (Record r : chunk.records()) {
            if (!range.contains(r.key().token())) {
                return "key " + r.key() + " (token " + r.key().token() + ") outside " + range;
            }
            if (previous != null) {
                int c = compare(range, previous, r.key());
                if (c > 0 || (c == 0 && first)) {
                    return "key " + r.key() + " out of order after " + previous;
                }
            }
            previous = r.key();
            first = false;
        }
        return null;
    }
}
