package io.kvorum.hints;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that the hints of all targets may take together ({@code hints.max_bytes_total}). A
 * reservation either fits whole or is refused, so concurrent adds for different targets never pass
 * the bound between them.
 */
final class ByteBudget {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    ByteBudget(long max) {
        this.max = max;
    }

    /** Takes {@code bytes} if they fit under the bound; false, taking nothing, if not. */
    boolean tryReserve(long bytes) {
        while (true) {
            long current = used.get();
            if (current + bytes > max) {
                return false;
            }
            if (used.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    /** Takes {@code bytes} whatever the bound: what the files an earlier process left already take. */
    void charge(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }

    long max() {
        return max;
    }
}
