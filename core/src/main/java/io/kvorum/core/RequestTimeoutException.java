package io.kvorum.core;

/**
 * Not enough replicas answered in time. For a write this is not a failure to write: the replicas
 * that did not answer may still apply it, and those that did have. The write is then neither
 * guaranteed nor undone; a later read shows whether it took, and retrying with the read's
 * context is safe.
 */
public class RequestTimeoutException extends KvorumException {
    private final int required;
    private final int acknowledged;

    public RequestTimeoutException(String operation, int required, int acknowledged, long timeoutMs, boolean write) {
        super(operation + " timed out after " + timeoutMs + " ms with " + acknowledged + " of " + required
                + " required replicas answering" + (write ? "; the write may still have been applied" : ""));
        this.required = required;
        this.acknowledged = acknowledged;
    }

    /** From a message that already says everything, as a peer sent it. */
    public RequestTimeoutException(String message, int required, int acknowledged) {
        super(message);
        this.required = required;
        this.acknowledged = acknowledged;
    }

    public int required() {
        return required;
    }

    public int acknowledged() {
        return acknowledged;
    }
}
