package io.kvorum.core;

/**
 * Fewer replicas are known to be up than the request needs, so it was not attempted: nothing was
 * written. Retrying makes sense once replicas come back, or with a lower R/W.
 */
public class UnavailableException extends KvorumException {
    private final int required;
    private final int alive;

    private UnavailableException(String message, int required, int alive) {
        super(message);
        this.required = required;
        this.alive = alive;
    }

    /** {@code operation} needed {@code required} replicas up and found {@code alive}. */
    public static UnavailableException of(String operation, int required, int alive) {
        return new UnavailableException(operation + " needs " + required + " replicas up but only " + alive
                + " are; nothing was sent", required, alive);
    }

    /** The exception a peer reported, rebuilt from its message and counts. */
    public static UnavailableException asReported(String message, int required, int alive) {
        return new UnavailableException(message, required, alive);
    }

    public int required() {
        return required;
    }

    public int alive() {
        return alive;
    }
}
