package io.kvorum.storage;

import io.kvorum.core.KvorumException;

/**
 * The store could not do what was asked because of its disk: an I/O error, a full disk, a file
 * it cannot read. The message names the file and the operation.
 */
public class StorageException extends KvorumException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
