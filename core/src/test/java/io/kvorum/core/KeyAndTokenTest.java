package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyAndTokenTest {

    @Test
    void keysOrderByTokenThenBytes() {
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            keys.add(Key.of("k" + i));
        }
        Collections.shuffle(keys, new java.util.Random(1));
        Collections.sort(keys);
        for (int i = 1; i < keys.size(); i++) {
            assertThat(keys.get(i - 1).token()).isLessThanOrEqualTo(keys.get(i).token());
        }
    }

    @Test
    void keysCopyTheirBytes() {
        byte[] b = {1, 2, 3};
        Key k = Key.of(b);
        b[0] = 9;
        assertThat(k.toByteArray()).containsExactly(1, 2, 3);
        assertThat(k).isEqualTo(Key.of(new byte[] {1, 2, 3}));
    }

    @Test
    void nonPrintableKeysPrintAsHex() {
        assertThat(Key.of(new byte[] {0, (byte) 0xff}).toString()).isEqualTo("0x00ff");
        assertThat(Key.of("user:42").toString()).isEqualTo("user:42");
    }

    @Test
    void noKeyHasTheMinimumToken() {
        for (int i = 0; i < 10_000; i++) {
            assertThat(Key.of("x" + i).token()).isNotEqualTo(Token.MIN);
        }
    }

    @Test
    void rangesAreExclusiveInclusiveAndWrap() {
        TokenRange r = TokenRange.of(10, 20);
        assertThat(r.contains(10)).isFalse();
        assertThat(r.contains(11)).isTrue();
        assertThat(r.contains(20)).isTrue();
        assertThat(r.contains(21)).isFalse();

        TokenRange wrapping = TokenRange.of(20, 10);
        assertThat(wrapping.wraps()).isTrue();
        assertThat(wrapping.contains(Token.MAX)).isTrue();
        assertThat(wrapping.contains(5)).isTrue();
        assertThat(wrapping.contains(15)).isFalse();

        assertThat(TokenRange.full().contains(Token.MAX)).isTrue();
        assertThat(TokenRange.full().contains(0)).isTrue();
        assertThat(TokenRange.of(Token.MIN, Token.MAX).contains(Token.MAX)).isTrue();
    }

    @Test
    void nodeIdsPrintAndParseAsSixteenHexDigits() {
        NodeId id = new NodeId(0x00ab_cdef_0123_4567L);
        assertThat(id.toString()).isEqualTo("00abcdef01234567");
        assertThat(NodeId.parse(id.toString())).isEqualTo(id);
        assertThat(NodeId.parse("ffffffffffffffff")).isEqualTo(new NodeId(-1));
    }
}
