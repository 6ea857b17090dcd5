package io.kvorum.bench;

import io.kvorum.core.Checks;
import io.kvorum.core.Hex;
import java.util.Arrays;

/**
 * The data set of one benchmark run, generated once and handed unchanged to every engine in every
 * round: {@code keyCount} keys and values, and the sequence of key indexes to read.
 *
 * <p>It is materialised up front so that generating bytes costs neither engine anything inside a
 * timed loop, and so that a read can be checked against the exact value written. The arrays are
 * shared and must never be modified: engines may keep references to them (a Kvorum record adopts
 * its value array).
 */
final class Workload {
    private final byte[][] keys;
    private final byte[][] values;
    private final int[] readSequence;
    private final int valueBytes;

    private Workload(byte[][] keys, byte[][] values, int[] readSequence, int valueBytes) {
        this.keys = keys;
        this.values = values;
        this.readSequence = readSequence;
        this.valueBytes = valueBytes;
    }

    static Workload generate(KeyValueGenerator generator, int keyCount, int reads) {
        Checks.require(keyCount > 0, "--keys", keyCount, "> 0");
        byte[][] keys = new byte[keyCount][];
        byte[][] values = new byte[keyCount][];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = generator.key(i);
            values[i] = generator.value(i);
        }
        return new Workload(keys, values, generator.readSequence(reads, keyCount), generator.valueBytes());
    }

    /**
     * Heap the workload of these dimensions takes, roughly: each array has a 16-byte header and is
     * padded to 8 bytes, plus a 4-byte reference to it; each read index is 4 bytes.
     */
    static long estimatedHeapBytes(long keyCount, long keyBytes, long valueBytes, long reads) {
        long perKey = align8(16 + keyBytes) + align8(16 + valueBytes) + 8;
        return keyCount * perKey + 4 * reads;
    }

    private static long align8(long bytes) {
        return (bytes + 7) & ~7L;
    }

    int keyCount() {
        return keys.length;
    }

    int readCount() {
        return readSequence.length;
    }

    int valueBytes() {
        return valueBytes;
    }

    byte[] key(int index) {
        return keys[index];
    }

    byte[] value(int index) {
        return values[index];
    }

    /** The index of the key that the {@code n}-th read asks for. */
    int readIndex(int n) {
        return readSequence[n];
    }

    /** Fails the run unless {@code actual} is exactly the value written under key {@code index}. */
    void checkRead(String engine, int index, byte[] actual) {
        if (actual == null) {
            throw new IllegalStateException(engine + ": read of key #" + index + " (0x" + Hex.encode(keys[index])
                    + ") found nothing (expected: the " + values[index].length + "-byte value written this round)");
        }
        if (!Arrays.equals(actual, values[index])) {
            throw new IllegalStateException(engine + ": read of key #" + index + " (0x" + Hex.encode(keys[index])
                    + ") returned a " + actual.length + "-byte value that differs from the "
                    + values[index].length + "-byte value written");
        }
    }

    /** Fails the run unless a full scan saw every key once with its whole value. */
    void checkScan(String engine, ScanTally tally) {
        long expectedBytes = (long) keys.length * valueBytes;
        if (tally.records() != keys.length || tally.valueBytes() != expectedBytes) {
            throw new IllegalStateException(engine + ": full scan saw " + tally.records() + " records with "
                    + tally.valueBytes() + " value bytes (expected: " + keys.length + " records with "
                    + expectedBytes + " value bytes, one per key written)");
        }
    }
}
