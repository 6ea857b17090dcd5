package io.kvorum.core.testing;

import io.kvorum.core.Clock;
import java.util.concurrent.TimeUnit;

/** A clock that moves only when a test moves it. Thread-safe so background threads can read it. */
public final class ManualClock implements Clock {
    private volatile long nanos;
    private final long epochMillisAtZero;

    public ManualClock(long epochMillisAtZero) {
        this.epochMillisAtZero = epochMillisAtZero;
    }

    public ManualClock() {
        this(1_700_000_000_000L);
    }

    @Override
    public long nowMillis() {
        return epochMillisAtZero + TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    public synchronized void advance(long amount, TimeUnit unit) {
        if (amount < 0) {
            throw new IllegalArgumentException("amount: " + amount + " (expected: >= 0)");
        }
        nanos += unit.toNanos(amount);
    }

    synchronized void advanceTo(long targetNanos) {
        if (targetNanos > nanos) {
            nanos = targetNanos;
        }
    }
}
