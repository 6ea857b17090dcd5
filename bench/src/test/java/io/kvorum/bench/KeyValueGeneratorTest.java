package io.kvorum.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyValueGeneratorTest {

    @Test
    void sameSeedGivesTheSameKeysValuesAndReads() {
        KeyValueGenerator a = new KeyValueGenerator(7, 16, 100);
        KeyValueGenerator b = new KeyValueGenerator(7, 16, 100);
        for (int i = 0; i < 1000; i++) {
            assertThat(a.key(i)).isEqualTo(b.key(i));
            assertThat(a.value(i)).isEqualTo(b.value(i));
        }
        assertThat(a.readSequence(5000, 1000)).isEqualTo(b.readSequence(5000, 1000));
    }

    @Test
    void otherSeedsGiveOtherData() {
        KeyValueGenerator a = new KeyValueGenerator(7, 16, 100);
        KeyValueGenerator b = new KeyValueGenerator(8, 16, 100);
        assertThat(a.key(0)).isNotEqualTo(b.key(0));
        assertThat(a.value(0)).isNotEqualTo(b.value(0));
        assertThat(a.readSequence(100, 1000)).isNotEqualTo(b.readSequence(100, 1000));
    }

    @Test
    void keysAndValuesHaveExactlyTheRequestedSizes() {
        for (int keyBytes : new int[] {8, 9, 16, 17, 100}) {
            for (int valueBytes : new int[] {0, 1, 7, 8, 100, 1000}) {
                KeyValueGenerator g = new KeyValueGenerator(1, keyBytes, valueBytes);
                assertThat(g.key(3)).hasSize(keyBytes);
                assertThat(g.value(3)).hasSize(valueBytes);
            }
        }
    }

    @Test
    void keysAreDistinctAndNotInIndexOrder() {
        KeyValueGenerator g = new KeyValueGenerator(42, 16, 100);
        Set<ByteBuffer> keys = new HashSet<>();
        int ascending = 0;
        byte[] previous = null;
        for (int i = 0; i < 100_000; i++) {
            byte[] key = g.key(i);
            keys.add(ByteBuffer.wrap(key));
            if (previous != null && Arrays.compareUnsigned(previous, key) < 0) {
                ascending++;
            }
            previous = key;
        }
        assertThat(keys).hasSize(100_000);
        // Written in index order, keys go up about half the time: random order, not sorted.
        assertThat(ascending).isBetween(45_000, 55_000);
    }

    @Test
    void readsAreUniformOverExistingKeys() {
        int keyCount = 10;
        int[] reads = new KeyValueGenerator(3, 16, 100).readSequence(100_000, keyCount);
        int[] hits = new int[keyCount];
        for (int index : reads) {
            assertThat(index).isBetween(0, keyCount - 1);
            hits[index]++;
        }
        for (int h : hits) {
            assertThat(h).isBetween(9_000, 11_000);
        }
    }

    @Test
    void rejectsKeysTooShortToBeUnique() {
        assertThatThrownBy(() -> new KeyValueGenerator(1, 7, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--key-bytes: 7 (expected: >= 8)");
        assertThatThrownBy(() -> new KeyValueGenerator(1, 16, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--value-bytes: -1 (expected: >= 0)");
    }
}
