package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cases of {@link Causality#resolve} that random pools rarely reach. */
class CausalityTest {
    private static final Key KEY = Key.of("k".getBytes(StandardCharsets.UTF_8));
    private static final Actor A = new Actor(NodeId.random(RandomSource.seeded(1)), 0);
    private static final Actor B = new Actor(NodeId.random(RandomSource.seeded(2)), 0);

    private static Record write(Actor actor, long counter, VersionVector context) {
        return Record.value(KEY, new Dot(actor, counter), context, 0, new byte[] {1});
    }

    @Test
    void aRecordIsNeverMadeObsoleteByItsOwnContext() {
        Record self = write(A, 5, VersionVector.of(new Dot(A, 5)));
        assertThat(Causality.resolve(List.of(self))).containsExactly(self);
        Record other = write(B, 1, VersionVector.EMPTY);
        assertThat(Causality.resolve(List.of(self, other))).containsExactlyInAnyOrder(self, other);
    }

    @Test
    void theHighestCoverageOfAnotherRecordCountsWhenTheTopIsTheRecordItself() {
        // a's own context holds A:9, the highest; b holds A:5, which still covers a's dot A:4.
        Record a = write(A, 4, VersionVector.of(new Dot(A, 9)));
        Record b = write(B, 1, VersionVector.of(new Dot(A, 5)));
        assertThat(Causality.resolve(List.of(a, b))).containsExactly(b);
        Record c = write(B, 2, VersionVector.of(new Dot(A, 3)));
        assertThat(Causality.resolve(List.of(a, c))).containsExactlyInAnyOrder(a, c);
    }

    @Test
    void thousandsOfBlindSiblingsAllSurviveAndOneCoveringWriteReplacesThem() {
        List<Record> siblings = new ArrayList<>();
        for (int i = 1; i <= 10_000; i++) {
            siblings.add(write(A, i, VersionVector.EMPTY));
        }
        assertThat(Causality.resolve(siblings)).hasSize(10_000);
        Record resolving = write(B, 1, Causality.join(siblings));
        List<Record> all = new ArrayList<>(siblings);
        all.add(resolving);
        assertThat(Causality.resolve(all)).containsExactly(resolving);
    }
}
