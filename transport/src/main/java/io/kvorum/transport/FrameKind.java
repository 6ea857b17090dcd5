package io.kvorum.transport;

/**
 * The kinds of frame, as the u8 after the protocol version. Plain int constants rather than an
 * enum because the decoder must first see whether an untrusted byte names any kind at all.
 */
final class FrameKind {
    /** The handshake: the first frame(s) each side sends; carries a transport-owned hello record. */
    static final int HELLO = 1;
    /** A message that expects no answer; correlation id 0. */
    static final int ONE_WAY = 2;
    /** A message that expects a RESPONSE or FAILURE with the same correlation id. */
    static final int REQUEST = 3;
    /** The successful answer to the REQUEST with the same correlation id. */
    static final int RESPONSE = 4;
    /** The failed answer to a REQUEST (or, with correlation id 0, a reason for closing); carries a Failure. */
    static final int FAILURE = 5;

    private FrameKind() {
    }

    static boolean isValid(int kind) {
        return kind >= HELLO && kind <= FAILURE;
    }

    static String name(int kind) {
        return switch (kind) {
            case HELLO -> "HELLO";
            case ONE_WAY -> "ONE_WAY";
            case REQUEST -> "REQUEST";
            case RESPONSE -> "RESPONSE";
            case FAILURE -> "FAILURE";
            default -> "kind " + kind;
        };
    }
}
