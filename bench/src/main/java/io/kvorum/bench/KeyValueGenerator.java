package io.kvorum.bench;

import io.kvorum.core.Checks;
import io.kvorum.core.RandomSource;

/**
 * The benchmark's keys, values and read sequence, as pure functions of a seed, so every engine and
 * every round sees exactly the same data and a run can be repeated.
 *
 * <p>Key {@code i} starts with the 8 big-endian bytes of {@code mix(i + salt)}, where {@code mix}
 * is SplitMix64's finaliser. That finaliser is a bijection of 64-bit words, so distinct indexes give
 * distinct keys whatever the seed, with no set to remember. It also scatters them: writing keys in
 * index order writes them in random order, both in byte order (RocksDB's) and in token order
 * (Kvorum's), without a shuffled array of a million entries. Bytes after the first 8, and every
 * value byte, are drawn from the same mixer so that neither engine meets runs of zeros it might
 * store more cheaply.
 *
 * <p>The read sequence picks keys uniformly with replacement from a {@link RandomSource} seeded
 * from the same seed.
 */
final class KeyValueGenerator {
    /** Keys need 8 bytes to carry their unique 64-bit id. */
    static final int MIN_KEY_BYTES = Long.BYTES;

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private static final long KEY_STREAM = 0x6b65797300000000L;
    private static final long VALUE_STREAM = 0x76616c7565000000L;
    private static final long READ_STREAM = 0x7265616400000000L;

    private final long seed;
    private final int keyBytes;
    private final int valueBytes;
    private final long keySalt;
    private final long valueSalt;

    KeyValueGenerator(long seed, int keyBytes, int valueBytes) {
        Checks.require(keyBytes >= MIN_KEY_BYTES, "--key-bytes", keyBytes, ">= " + MIN_KEY_BYTES);
        Checks.require(valueBytes >= 0, "--value-bytes", valueBytes, ">= 0");
        this.seed = seed;
        this.keyBytes = keyBytes;
        this.valueBytes = valueBytes;
        this.keySalt = mix(seed ^ KEY_STREAM);
        this.valueSalt = mix(seed ^ VALUE_STREAM);
    }

    int keyBytes() {
        return keyBytes;
    }

    int valueBytes() {
        return valueBytes;
    }

    /** The key with index {@code index}: {@code keyBytes} long, distinct from every other index's. */
    byte[] key(int index) {
        Checks.require(index >= 0, "index", index, ">= 0");
        byte[] key = new byte[keyBytes];
        long id = mix(index + keySalt);
        for (int b = 0; b < Long.BYTES; b++) {
            key[b] = (byte) (id >>> (56 - 8 * b));
        }
        fill(key, Long.BYTES, id);
        return key;
    }

    /** The value written under key {@code index}: {@code valueBytes} long. */
    byte[] value(int index) {
        Checks.require(index >= 0, "index", index, ">= 0");
        byte[] value = new byte[valueBytes];
        fill(value, 0, mix(index + valueSalt));
        return value;
    }

    /** {@code reads} key indexes drawn uniformly from {@code [0, keyCount)}. */
    int[] readSequence(int reads, int keyCount) {
        Checks.require(reads >= 0, "reads", reads, ">= 0");
        Checks.require(keyCount > 0, "keyCount", keyCount, "> 0");
        RandomSource random = RandomSource.seeded(mix(seed ^ READ_STREAM));
        int[] indexes = new int[reads];
        for (int i = 0; i < reads; i++) {
            indexes[i] = random.nextInt(keyCount);
        }
        return indexes;
    }

    /** Fills {@code bytes[from..]} from a SplitMix64 stream that starts at {@code state}. */
    private static void fill(byte[] bytes, int from, long state) {
        long word = 0;
        for (int b = from; b < bytes.length; b++) {
            if ((b - from) % Long.BYTES == 0) {
                state += GOLDEN_GAMMA;
                word = mix(state);
            }
            bytes[b] = (byte) word;
            word >>>= 8;
        }
    }

    /** SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014): a bijection that mixes every bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
