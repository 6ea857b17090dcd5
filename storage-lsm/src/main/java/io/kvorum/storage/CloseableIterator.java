package io.kvorum.storage;

import java.util.Iterator;

/** An iterator over files or other resources, which must be closed when the caller is done. */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
    /** Releases the resources; idempotent. Does not throw checked exceptions. */
    @Override
    void close();
}
