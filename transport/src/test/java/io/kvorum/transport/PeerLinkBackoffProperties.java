package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.RandomSource;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** Reconnect waits: within half of their step and the whole of it, and spread, not one fixed value. */
class PeerLinkBackoffProperties {

    @Property(tries = 200)
    void aJitteredWaitLiesBetweenHalfTheStepAndTheStep(@ForAll long seed,
                                                       @ForAll @LongRange(min = 1, max = 600_000) long step) {
        RandomSource random = RandomSource.seeded(seed);
        long wait = PeerLink.jittered(step, random);
        assertThat(wait).isBetween(step / 2, step);
    }

    @Property(tries = 20)
    void waitsForOneStepAreSpread(@ForAll long seed, @ForAll @LongRange(min = 100, max = 10_000) long step) {
        RandomSource random = RandomSource.seeded(seed);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(PeerLink.jittered(step, random));
        }
        assertThat(seen).as("distinct waits among 50 for a step of %d ms", step).hasSizeGreaterThan(10);
    }
}
