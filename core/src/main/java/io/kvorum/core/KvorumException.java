package io.kvorum.core;

/** The root of Kvorum's operating errors: the ones a caller handles and reports, not programming errors. */
public class KvorumException extends RuntimeException {
    public KvorumException(String message) {
        super(message);
    }

    public KvorumException(String message, Throwable cause) {
        super(message, cause);
    }
}
