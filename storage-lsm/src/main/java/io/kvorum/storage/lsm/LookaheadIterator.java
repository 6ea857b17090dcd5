package io.kvorum.storage.lsm;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An iterator whose subclass produces each element on demand, the shape of every merge and scan
 * here: {@link #computeNext} returns the next element, or null at the end, after which it is not
 * called again.
 */
abstract class LookaheadIterator<T> implements Iterator<T> {
    private T next;
    private boolean done;

    /** The next element, or null when there are no more. */
    protected abstract T computeNext();

    @Override
    public final boolean hasNext() {
        if (next == null && !done) {
            next = computeNext();
            done = next == null;
        }
        return next != null;
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T t = next;
        next = null;
        return t;
    }
}
