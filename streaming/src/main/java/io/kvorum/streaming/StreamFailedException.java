package io.kvorum.streaming;

import io.kvorum.core.KvorumException;
import io.kvorum.core.NodeId;
import io.kvorum.core.TokenRange;

/**
 * A stream session failed: one of its (range, source) units ran out of attempts. Names the range,
 * the source and, as its cause, the last error. The units already streamed stay applied;
 * {@link StreamSession#resume()} continues the others from where they stopped.
 */
public final class StreamFailedException extends KvorumException {
    private final TokenRange range;
    private final NodeId source;

    public StreamFailedException(String description, TokenRange range, NodeId source, int attempts, Throwable cause) {
        super("stream '" + description + "' failed: range " + range + " from " + source + " failed " + attempts
                + " consecutive attempts, the last with " + describe(cause), cause);
        this.range = range;
        this.source = source;
    }

    public TokenRange range() {
        return range;
    }

    public NodeId source() {
        return source;
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
