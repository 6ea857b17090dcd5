package io.kvorum.core;

/**
 * Argument checks that name the argument, show the bad value and say what was expected, in the
 * form {@code memtableMaxBytes: 0 (expected: > 0)}.
 */
public final class Checks {
    private Checks() {
    }

    /** Throws {@link IllegalArgumentException} unless {@code condition} holds. */
    public static void require(boolean condition, String name, Object value, String expected) {
        if (!condition) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
        }
    }

    public static long requirePositive(long value, String name) {
        require(value > 0, name, value, "> 0");
        return value;
    }

    public static int requirePositive(int value, String name) {
        require(value > 0, name, value, "> 0");
        return value;
    }

    public static long requireNonNegative(long value, String name) {
        require(value >= 0, name, value, ">= 0");
        return value;
    }
}
