package io.kvorum.core;

/**
 * An error as it crosses the wire: the kind, the message, and the counts that quorum errors carry.
 * {@link #of} turns an exception into one; {@link #toException} gives the requester back a typed
 * exception of the same kind.
 */
public record Failure(Kind kind, String message, int required, int responded) implements Message {

    /** Appended only: the wire carries a kind's ordinal. */
    public enum Kind { UNAVAILABLE, TIMEOUT, INVALID_REQUEST, TOO_LARGE, PEER_UNAVAILABLE, STORAGE, INTERNAL, CORRUPT, UNAUTHORIZED }

    public static Failure of(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof UnavailableException u) {
            return new Failure(Kind.UNAVAILABLE, m, u.required(), u.alive());
        }
        if (t instanceof RequestTimeoutException e) {
            return new Failure(Kind.TIMEOUT, m, e.required(), e.acknowledged());
        }
        if (t instanceof InvalidRequestException) {
            return new Failure(Kind.INVALID_REQUEST, m, 0, 0);
        }
        if (t instanceof SizeLimitExceededException) {
            return new Failure(Kind.TOO_LARGE, m, 0, 0);
        }
        if (t instanceof PeerUnavailableException) {
            return new Failure(Kind.PEER_UNAVAILABLE, m, 0, 0);
        }
        if (t instanceof IllegalArgumentException) {
            return new Failure(Kind.INVALID_REQUEST, m, 0, 0);
        }
        if (t instanceof CorruptDataException) {
            return new Failure(Kind.CORRUPT, m, 0, 0);
        }
        if (t instanceof UnauthorizedException) {
            return new Failure(Kind.UNAUTHORIZED, m, 0, 0);
        }
        if (t instanceof KvorumException) {
            return new Failure(Kind.STORAGE, m, 0, 0);
        }
        return new Failure(Kind.INTERNAL, t.getClass().getSimpleName() + ": " + m, 0, 0);
    }

    /** A typed exception with this failure's message; quorum errors keep their counts. */
    public KvorumException toException() {
        return switch (kind) {
            case UNAVAILABLE -> UnavailableException.asReported(message, required, responded);
            case TIMEOUT -> new RequestTimeoutException(message, required, responded);
            case INVALID_REQUEST, TOO_LARGE -> new InvalidRequestException(message);
            case PEER_UNAVAILABLE -> new PeerUnavailableException(message);
            case CORRUPT -> new CorruptDataException(message);
            case UNAUTHORIZED -> new UnauthorizedException(message);
            case STORAGE, INTERNAL -> new KvorumException(message);
        };
    }
}
