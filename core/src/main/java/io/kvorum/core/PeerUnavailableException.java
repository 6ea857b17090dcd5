package io.kvorum.core;

/** The bus has no connection to the peer (down, unreachable, or cut off by a link fault). */
public class PeerUnavailableException extends KvorumException {
    public PeerUnavailableException(String message) {
        super(message);
    }
}
