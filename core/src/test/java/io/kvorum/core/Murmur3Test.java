package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reference vectors of MurmurHash3_x64_128 with seed 0 (as printed by the C++ reference and Python's mmh3). */
class Murmur3Test {

    private static long[] hash(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        long[] out = new long[2];
        Murmur3.hash128(b, 0, b.length, out);
        return out;
    }

    @Test
    void emptyInputHashesToZero() {
        assertThat(hash("")).containsExactly(0L, 0L);
    }

    @Test
    void matchesReferenceVectors() {
        assertThat(hash("hello")).containsExactly(0xcbd8a7b341bd9b02L, 0x5b1e906a48ae1d19L);
        assertThat(hash("The quick brown fox jumps over the lazy dog"))
                .containsExactly(0xe34bbc7bbc071b6cL, 0x7a433ca9c49a9347L);
    }

    @Test
    void tailBytesAreReadUnsigned() {
        byte[] high = {(byte) 0xff, (byte) 0x80};
        byte[] low = {(byte) 0x7f, (byte) 0x00};
        assertThat(Murmur3.hash64(high, 0, 2)).isNotEqualTo(Murmur3.hash64(low, 0, 2));
    }

    @Test
    void hashesTheGivenSliceOnly() {
        byte[] padded = "xxhelloyy".getBytes(StandardCharsets.UTF_8);
        assertThat(Murmur3.hash64(padded, 2, 5)).isEqualTo(hash("hello")[0]);
    }
}
