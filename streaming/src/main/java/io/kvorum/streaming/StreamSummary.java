package io.kvorum.streaming;

/**
 * What a finished stream moved, over all its attempts.
 *
 * @param records records received and applied (a record sent by several sources counts once each)
 * @param bytes   their size on the wire
 * @param durationMillis from the session's first start to its completion, including pauses between
 *                       a failure and the resume
 */
public record StreamSummary(long id, String description, int units, int ranges, long records, long bytes,
                            long durationMillis) {
}
