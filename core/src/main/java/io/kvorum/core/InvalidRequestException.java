package io.kvorum.core;

/** A request that can never succeed as asked (w > n, n > replication factor): refused before anything is sent. */
public class InvalidRequestException extends KvorumException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
