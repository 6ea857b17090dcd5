package io.kvorum.transport;

/**
 * Bytes from the network that are not a valid frame. Never thrown out of a pipeline: the decoder
 * turns it into one logged reason line and a closed connection. Stackless, because garbage input is
 * an operating event, not a bug, and a flood of it must not cost a stack walk per frame.
 */
final class WireFormatException extends RuntimeException {
    WireFormatException(String reason) {
        super(reason, null, false, false);
    }
}
