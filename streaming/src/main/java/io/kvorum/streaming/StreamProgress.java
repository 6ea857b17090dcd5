package io.kvorum.streaming;

/**
 * A consistent snapshot of one stream session, for status displays and tests.
 *
 * <p>A unit is one (range, source) pair; a range is done when all its units are. Counts only grow
 * over a session's life, across resumes, except {@code unitsFailed}, which counts units that gave up
 * in the latest attempt. {@code state} changes when {@link StreamSession#done()} completes, so a
 * session that is stopping after a failure or a cancel still shows {@link State#RUNNING}.
 *
 * @param bytesPerSecond the receiving rate over the last few seconds
 */
public record StreamProgress(long id, String description, State state, int unitsTotal, int unitsDone,
                             int unitsFailed, int rangesTotal, int rangesDone, long records, long bytes,
                             long bytesPerSecond, long elapsedMillis, int attempt) {

    /** Where a session is. */
    public enum State {
        RUNNING,
        /** Every unit is done and the store flushed. */
        DONE,
        /** A unit ran out of attempts (or the final flush failed); {@link StreamSession#resume()} continues. */
        FAILED,
        /** {@link StreamSession#cancel()} stopped it; {@link StreamSession#resume()} continues. */
        CANCELLED
    }
}
