package io.kvorum.core;

/**
 * A client the node will not serve as it asked: its credentials failed (unknown user, wrong
 * password, none where the node requires them), or its user's role does not cover the request.
 * Typed end to end (it crosses the wire as its own failure kind) so a caller can tell "fix the
 * credentials or the role" from a request that failed for the cluster's reasons; retrying, on this
 * node or another, cannot help, and the client does not fail over on it.
 */
public class UnauthorizedException extends KvorumException {
    public UnauthorizedException(String message) {
        super(message);
    }
}
