package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.Checks;
import io.kvorum.core.CorruptDataException;

/**
 * A Bloom filter over the keys of one SSTable, so that a point read skips files that cannot hold
 * its key.
 *
 * <p>Cache-line blocked (Putze, Sanders and Singler, "Cache-, Hash- and Space-Efficient Bloom
 * Filters", 2007; RocksDB's format 5): the low half of a key's token picks one 512-bit block, and
 * every probe for the key falls inside it, so a lookup costs one cache miss where a classic filter
 * costs one per probe. The token is already a Murmur3 hash; the probes within the block come from
 * its high half, remixed by a multiply per probe. The price is a slightly higher false-positive
 * rate: at 10 bits per key about 1% instead of 0.8%, each false positive costing a block lookup.
 */
final class BloomFilter {
    private static final int WORDS_PER_BLOCK = 8;
    private static final int MAX_PROBES = 30;
    private static final long MAX_BLOCKS = 1L << 22; // 256 MiB of filter: about 200 million keys at 10 bits
    private static final int GOLDEN = 0x9e3779b9;

    private final long[] words;
    private final int blocks;
    private final int probes;

    private BloomFilter(long[] words, int probes) {
        this.words = words;
        this.blocks = words.length / WORDS_PER_BLOCK;
        this.probes = probes;
    }

    /** A filter of the given tokens at {@code bitsPerKey}. */
    static BloomFilter build(long[] tokens, int count, int bitsPerKey) {
        Checks.requirePositive(bitsPerKey, "bitsPerKey");
        long bits = (long) count * bitsPerKey;
        int blocks = (int) Math.max(1, Math.min(MAX_BLOCKS, (bits + 511) / 512));
        // Blocking skews the load per block; one probe fewer than the classic optimum does best.
        int probes = (int) Math.max(1, Math.min(MAX_PROBES, Math.round(bitsPerKey * Math.log(2)) - 1));
        BloomFilter f = new BloomFilter(new long[blocks * WORDS_PER_BLOCK], probes);
        for (int i = 0; i < count; i++) {
            f.add(tokens[i]);
        }
        return f;
    }

    private int blockStart(long token) {
        return (int) (((token & 0xffffffffL) * blocks) >>> 32) * WORDS_PER_BLOCK;
    }

    private void add(long token) {
        int start = blockStart(token);
        int h = (int) (token >>> 32);
        for (int i = 0; i < probes; i++) {
            int bit = h >>> 23; // 9 bits: a position in the 512-bit block
            words[start + (bit >>> 6)] |= 1L << bit;
            h *= GOLDEN;
        }
    }

    /** False means the key is certainly absent; true means it may be present. */
    boolean mightContain(long token) {
        int start = blockStart(token);
        int h = (int) (token >>> 32);
        for (int i = 0; i < probes; i++) {
            int bit = h >>> 23;
            if ((words[start + (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
            h *= GOLDEN;
        }
        return true;
    }

    /** Serialized size: probe count, block count, words. */
    int serializedSize() {
        return 1 + Bytes.varLongSize(blocks) + 8 * words.length;
    }

    int writeTo(byte[] dst, int off) {
        dst[off++] = (byte) probes;
        off = Bytes.putVarLong(dst, off, blocks);
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
        int blocks = in.readVarInt((int) Math.min(MAX_BLOCKS, in.remaining() / (8 * WORDS_PER_BLOCK)),
                "bloom filter block count");
        if (blocks == 0) {
            throw new CorruptDataException("bloom filter has no blocks");
        }
        long[] words = new long[blocks * WORDS_PER_BLOCK];
        for (int i = 0; i < words.length; i++) {
            words[i] = in.readLong();
        }
        return new BloomFilter(words, probes);
    }
}
