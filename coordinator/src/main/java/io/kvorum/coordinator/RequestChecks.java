package io.kvorum.coordinator;

import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.KvorumException;
import io.kvorum.storage.RecordLimits;

/**
 * The checks a client's request passes before a coordinator places it, shared by reads and writes:
 * a timeout no longer than this node allows, a key that is not empty and not too large, a value
 * that is not too large. Each failure names the value and what was expected, and travels back to
 * the client as an invalid request; nothing has been sent when one fails.
 */
final class RequestChecks {
    private final RecordLimits limits;
    private final long maxTimeoutMs;

    RequestChecks(CoordinatorOptions options) {
        this.limits = options.limits();
        this.maxTimeoutMs = options.maxTimeoutMs();
    }

    /** What every read and write must pass before it is placed: its key and its timeout. */
    void checkKeyAndTimeout(Key key, long timeoutMs) {
        checkTimeout(timeoutMs);
        checkKey(key);
    }

    /** A request must not outlive a ring change's grace, which waits this long for it. */
    private void checkTimeout(long timeoutMs) {
        if (timeoutMs > maxTimeoutMs) {
            throw new InvalidRequestException("timeout " + timeoutMs + " ms (expected: at most " + maxTimeoutMs
                    + " ms, this node's request.max_timeout_ms: a request must not outlive a ring change's grace)");
        }
    }

    private void checkKey(Key key) {
        if (key.length() == 0) {
            throw new InvalidRequestException("key is empty (expected: 1 to " + limits.maxKeyBytes() + " bytes)");
        }
        limits.checkKey(key);
    }

    void checkValue(Key key, int valueBytes) {
        limits.checkValue(key, valueBytes);
    }

    /** The error a request that failed its checks completes with. */
    static RuntimeException asRequestError(RuntimeException e) {
        if (e instanceof KvorumException) {
            return e;
        }
        if (e instanceof IllegalArgumentException) {
            return e; // SizeLimitExceededException and bad options travel as invalid requests
        }
        return new InvalidRequestException(e.getMessage());
    }
}
