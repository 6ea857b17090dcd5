package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.Checks;
import io.kvorum.core.CorruptDataException;

/**
 * A Bloom filter over the keys of one SSTable, so that a point read skips files that cannot hold
 * its key.
 *
 * <p>Probes come from the key's ring token, already a Murmur3 hash, by double hashing (Kirsch and
 * Mitzenmacher, "Less Hashing, Same Performance", 2006): probe i is {@code h1 + i * h2} with the
 * token's two 32-bit halves. With b bits per key and k = b ln 2 probes the false-positive rate is
 * about 0.6185^b: 10 bits give under 1%.
 */
final class BloomFilter {
    private static final int MAX_PROBES = 30;

    private final long[] words;
    private final long bitCount;
    private final int probes;

    private BloomFilter(long[] words, int probes) {
        this.words = words;
        this.bitCount = (long) words.length * 64;
        this.probes = probes;
    }

    /** A filter of the given tokens at {@code bitsPerKey}. */
    static BloomFilter build(long[] tokens, int count, int bitsPerKey) {
        Checks.requirePositive(bitsPerKey, "bitsPerKey");
        long bits = Math.max(64, (long) count * bitsPerKey);
        long[] words = new long[(int) ((bits + 63) / 64)];
        int probes = (int) Math.max(1, Math.min(MAX_PROBES, Math.round(bitsPerKey * Math.log(2))));
        BloomFilter f = new BloomFilter(words, probes);
        for (int i = 0; i < count; i++) {
            f.add(tokens[i]);
        }
        return f;
    }

    private void add(long token) {
        long h1 = token & 0xffffffffL;
        long h2 = token >>> 32;
        for (int i = 0; i < probes; i++) {
            long bit = Long.remainderUnsigned(h1 + i * h2, bitCount);
            words[(int) (bit >>> 6)] |= 1L << bit;
        }
    }

    /** False means the key is certainly absent; true means it may be present. */
    boolean mightContain(long token) {
        long h1 = token & 0xffffffffL;
        long h2 = token >>> 32;
        for (int i = 0; i < probes; i++) {
            long bit = Long.remainderUnsigned(h1 + i * h2, bitCount);
            if ((words[(int) (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Serialized size: probe count, word count, words. */
    int serializedSize() {
        return 1 + Bytes.varLongSize(words.length) + 8 * words.length;
    }

    int writeTo(byte[] dst, int off) {
        dst[off++] = (byte) probes;
        off = Bytes.putVarLong(dst, off, words.length);
        for (long w : words) {
            off = Bytes.putLong(dst, off, w);
        }
        return off;
    }

    static BloomFilter readFrom(ByteReader in) {
        int probes = in.readUnsignedByte();
        if (probes < 1 || probes > MAX_PROBES) {
            throw new CorruptDataException("bloom filter probe count " + probes + " (expected: 1.." + MAX_PROBES + ")");
        }
        int n = in.readVarInt(in.remaining() / 8, "bloom filter word count");
        if (n == 0) {
            throw new CorruptDataException("bloom filter has no bits");
        }
        long[] words = new long[n];
        for (int i = 0; i < n; i++) {
            words[i] = in.readLong();
        }
        return new BloomFilter(words, probes);
    }
}
