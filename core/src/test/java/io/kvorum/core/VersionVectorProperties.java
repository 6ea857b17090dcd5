package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.testing.RecordArbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class VersionVectorProperties {

    @Provide
    Arbitrary<VersionVector> vv() {
        return RecordArbitraries.vectors();
    }

    @Provide
    Arbitrary<Dot> dot() {
        return RecordArbitraries.dots();
    }

    @Property
    void joinIsCommutativeAssociativeAndIdempotent(@ForAll("vv") VersionVector a, @ForAll("vv") VersionVector b,
                                                   @ForAll("vv") VersionVector c) {
        assertThat(a.join(b)).isEqualTo(b.join(a));
        assertThat(a.join(b).join(c)).isEqualTo(a.join(b.join(c)));
        assertThat(a.join(a)).isEqualTo(a);
    }

    @Property
    void joinIsTheLeastUpperBound(@ForAll("vv") VersionVector a, @ForAll("vv") VersionVector b, @ForAll("dot") Dot probe) {
        VersionVector j = a.join(b);
        assertThat(j.descends(a)).isTrue();
        assertThat(j.descends(b)).isTrue();
        assertThat(j.get(probe.actor())).isEqualTo(Math.max(a.get(probe.actor()), b.get(probe.actor())));
    }

    @Property
    void withADotCoversItAndEverythingBefore(@ForAll("vv") VersionVector a, @ForAll("dot") Dot d) {
        VersionVector v = a.with(d);
        assertThat(v.covers(d)).isTrue();
        assertThat(v.descends(a)).isTrue();
        if (d.counter() > 1) {
            assertThat(v.covers(new Dot(d.actor(), d.counter() - 1))).isTrue();
        }
        assertThat(v).isEqualTo(a.join(VersionVector.of(d)));
    }

    @Property
    void descendsIsAPartialOrderConsistentWithJoin(@ForAll("vv") VersionVector a, @ForAll("vv") VersionVector b) {
        assertThat(a.descends(a)).isTrue();
        if (a.descends(b) && b.descends(a)) {
            assertThat(a).isEqualTo(b);
        }
        assertThat(a.descends(b)).isEqualTo(a.join(b).equals(a));
    }
}
