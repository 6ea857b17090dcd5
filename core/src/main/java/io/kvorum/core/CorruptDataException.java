package io.kvorum.core;

/**
 * Bytes read from disk or the network are not a valid encoding: truncated, altered (checksum
 * mismatch) or structurally wrong. Never returned as data; the message says what and where.
 */
public class CorruptDataException extends KvorumException {
    public CorruptDataException(String message) {
        super(message);
    }

    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
