package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Key;
import org.junit.jupiter.api.Test;

class BloomFilterTest {

    @Test
    void neverForgetsAKeyAndAdmitsAboutOnePercentOfOthersAtTenBitsPerKey() {
        int n = 100_000;
        long[] tokens = new long[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = Key.of("member-" + i).token();
        }
        BloomFilter f = BloomFilter.build(tokens, n, 10);
        for (long t : tokens) {
            assertThat(f.mightContain(t)).isTrue();
        }
        int falsePositives = 0;
        int probes = 200_000;
        for (int i = 0; i < probes; i++) {
            if (f.mightContain(Key.of("stranger-" + i).token())) {
                falsePositives++;
            }
        }
        double rate = (double) falsePositives / probes;
        // Theory: 0.82% for 10 bits and 7 probes.
        assertThat(rate).isBetween(0.004, 0.015);
    }

    @Test
    void roundTripsThroughItsEncoding() {
        long[] tokens = {1, 2, 3, -5, Long.MAX_VALUE};
        BloomFilter f = BloomFilter.build(tokens, tokens.length, 8);
        byte[] bytes = new byte[f.serializedSize()];
        assertThat(f.writeTo(bytes, 0)).isEqualTo(bytes.length);
        BloomFilter g = BloomFilter.readFrom(new ByteReader(bytes));
        for (long t : tokens) {
            assertThat(g.mightContain(t)).isTrue();
        }
        for (long t = 100; t < 10_000; t += 7) {
            assertThat(g.mightContain(t)).isEqualTo(f.mightContain(t));
        }
    }
}
