package io.kvorum.core;

/** The one place that reads the operating system's clocks; everything else goes through {@link Clock}. */
enum SystemClock implements Clock {
    INSTANCE;

    @Override
    public long nowMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }
}
