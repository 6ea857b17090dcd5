package io.kvorum.transport;

/**
 * One decoded frame: what the decoder hands to a connection's handler. The body is already a typed
 * object of a registered class (a {@link io.kvorum.core.Message}, a {@link io.kvorum.core.Failure}
 * or a hello record), so handlers never see bytes.
 */
record Frame(int kind, long correlationId, int typeId, Object body) {

    @Override
    public String toString() {
        return FrameKind.name(kind) + "#" + correlationId + " " + body.getClass().getSimpleName();
    }
}
