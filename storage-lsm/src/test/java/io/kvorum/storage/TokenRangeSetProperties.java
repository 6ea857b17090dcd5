package io.kvorum.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Key;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link TokenRangeSet} against the ranges it was built from: membership, span classification and
 * storage-order intervals must all say what checking each range would. Tokens are drawn mostly near
 * the ring's ends and a few shared points, so ranges touch, overlap and wrap often.
 */
class TokenRangeSetProperties {

    @Property(tries = 2000)
    void containsExactlyTheTokensOfSomeRange(@ForAll("rangeLists") List<TokenRange> ranges,
                                             @ForAll("tokens") long token) {
        TokenRangeSet set = TokenRangeSet.of(ranges);
        boolean expected = token != Token.MIN && inSome(ranges, token);
        assertThat(set.contains(token)).as("%s in %s = %s", token, ranges, set).isEqualTo(expected);
        assertThat(set.complement().contains(token)).isEqualTo(token != Token.MIN && !expected);
    }

    @Property(tries = 2000)
    void classifiesASpanAsEveryTokenOfItWould(@ForAll("rangeLists") List<TokenRange> ranges,
                                              @ForAll("tokens") long first, @ForAll("widths") int width) {
        if (first == Token.MIN) {
            first = Token.MIN + 1;
        }
        long last = first > Token.MAX - width ? Token.MAX : first + width;
        TokenRangeSet set = TokenRangeSet.of(ranges);
        boolean all = true;
        boolean some = false;
        for (long t = first; ; t++) {
            all &= inSome(ranges, t);
            some |= inSome(ranges, t);
            if (t == last) {
                break;
            }
        }
        assertThat(set.containsAll(first, last)).as("all of [%s, %s] in %s", first, last, set).isEqualTo(all);
        assertThat(set.intersects(first, last)).as("some of [%s, %s] in %s", first, last, set).isEqualTo(some);
    }

    @Property(tries = 2000)
    void intervalsHoldExactlyTheKeysOfTheSet(@ForAll("rangeLists") List<TokenRange> ranges,
                                             @ForAll byte[] keyBytes) {
        Key key = Key.of(keyBytes);
        // Move the ranges' ends onto the key's token, where the boundaries are tested.
        List<TokenRange> near = new ArrayList<>();
        for (TokenRange r : ranges) {
            near.add(TokenRange.of(r.start() == 0 ? key.token() : r.start(), r.end() == 0 ? key.token() : r.end()));
        }
        TokenRangeSet set = TokenRangeSet.of(near);
        List<KeyInterval> intervals = set.intervals();
        assertThat(intervals.stream().filter(i -> i.contains(key)).count())
                .isEqualTo(inSome(near, key.token()) ? 1 : 0);
        for (int i = 1; i < intervals.size(); i++) {
            assertThat(intervals.get(i - 1).toExclusive()).isNotNull();
            assertThat(intervals.get(i - 1).toExclusive().compareTo(intervals.get(i).fromInclusive())).isNegative();
        }
    }

    @Property
    void theComplementOfTheComplementIsTheSet(@ForAll("rangeLists") List<TokenRange> ranges) {
        TokenRangeSet set = TokenRangeSet.of(ranges);
        assertThat(set.complement().complement()).isEqualTo(set);
        assertThat(set.isFull()).isEqualTo(set.complement().isEmpty());
    }

    @Example
    void theRingsEnds() {
        assertThat(TokenRangeSet.of(List.of()).isEmpty()).isTrue();
        assertThat(TokenRangeSet.of(List.of(TokenRange.full())).isFull()).isTrue();
        assertThat(TokenRangeSet.of(List.of(TokenRange.full())).intervals())
                .containsExactly(new KeyInterval(null, null));
        // (MAX, MIN] holds nothing; (5, 5] everything; (0, MIN] is (0, MAX].
        assertThat(TokenRangeSet.of(List.of(TokenRange.of(Token.MAX, Token.MIN))).isEmpty()).isTrue();
        assertThat(TokenRangeSet.of(List.of(TokenRange.of(5, 5))).isFull()).isTrue();
        assertThat(TokenRangeSet.of(List.of(TokenRange.of(0, Token.MIN))))
                .isEqualTo(TokenRangeSet.of(List.of(TokenRange.of(0, Token.MAX))));
        // Touching ranges merge into one run, a wrapping pair into the full ring.
        assertThat(TokenRangeSet.of(List.of(TokenRange.of(0, 10), TokenRange.of(10, 20))))
                .isEqualTo(TokenRangeSet.of(List.of(TokenRange.of(0, 20))));
        assertThat(TokenRangeSet.of(List.of(TokenRange.of(0, 10), TokenRange.of(10, 0))).isFull()).isTrue();
    }

    @Example
    void nullsAreRefusedWithTheValue() {
        assertThatThrownBy(() -> TokenRangeSet.of(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ranges");
        List<TokenRange> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> TokenRangeSet.of(withNull)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no null range");
    }

    private static boolean inSome(List<TokenRange> ranges, long token) {
        return ranges.stream().anyMatch(r -> r.contains(token));
    }

    @Provide
    Arbitrary<Long> tokens() {
        return Arbitraries.oneOf(
                Arbitraries.of(Token.MIN, Token.MIN + 1, Token.MIN + 2, Token.MAX, Token.MAX - 1, -1L, 0L, 1L),
                Arbitraries.longs().between(-8, 8),
                Arbitraries.longs().between(Token.MIN, Token.MIN + 8),
                Arbitraries.longs().between(Token.MAX - 8, Token.MAX),
                Arbitraries.longs());
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.integers().between(0, 24);
    }

    @Provide
    Arbitrary<List<TokenRange>> rangeLists() {
        Arbitrary<TokenRange> range = Combinators.combine(tokens(), tokens()).as(TokenRange::of);
        return range.list().ofMaxSize(4);
    }
}
