package io.kvorum.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class KeyIntervalTest {

    /** A key is in a range's intervals exactly when the range contains its token. */
    @Property
    void intervalsCoverExactlyTheRange(@ForAll long start, @ForAll long end, @ForAll byte[] keyBytes) {
        TokenRange range = TokenRange.of(start, end);
        Key key = Key.of(keyBytes);
        List<KeyInterval> intervals = KeyInterval.of(range);
        boolean inSome = intervals.stream().anyMatch(i -> i.contains(key));
        assertThat(inSome).isEqualTo(range.contains(key.token()));
    }

    @Property
    void boundariesAreExclusiveStartInclusiveEnd(@ForAll byte[] keyBytes) {
        Key key = Key.of(keyBytes);
        long t = key.token();
        assertThat(KeyInterval.of(TokenRange.of(t, t == Token.MAX ? Token.MIN + 1 : t + 1)).stream()
                .anyMatch(i -> i.contains(key))).isFalse();
        assertThat(KeyInterval.of(TokenRange.of(t - 1, t)).stream().anyMatch(i -> i.contains(key))).isTrue();
    }
}
