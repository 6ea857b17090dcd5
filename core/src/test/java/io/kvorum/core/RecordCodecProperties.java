package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kvorum.core.testing.RecordArbitraries;
import java.util.Arrays;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RecordCodecProperties {

    @Provide
    Arbitrary<Record> record() {
        return RecordArbitraries.records();
    }

    @Provide
    Arbitrary<VersionVector> vv() {
        return RecordArbitraries.vectors();
    }

    @Property
    void framedRecordsRoundTrip(@ForAll("record") Record r) {
        assertThat(RecordCodec.decode(RecordCodec.encode(r))).isEqualTo(r);
    }

    @Property
    void bodiesRoundTripBackToBack(@ForAll("record") Record a, @ForAll("record") Record b) {
        byte[] buf = new byte[RecordCodec.bodySize(a) + RecordCodec.bodySize(b)];
        int mid = RecordCodec.writeBody(a, buf, 0);
        assertThat(mid).isEqualTo(RecordCodec.bodySize(a));
        assertThat(RecordCodec.writeBody(b, buf, mid)).isEqualTo(buf.length);
        ByteReader in = new ByteReader(buf);
        assertThat(RecordCodec.readBody(in)).isEqualTo(a);
        assertThat(RecordCodec.readBody(in)).isEqualTo(b);
        assertThat(in.remaining()).isZero();
    }

    @Property
    void everyTruncationIsRejected(@ForAll("record") Record r, @ForAll @IntRange(min = 1, max = 10_000) int cut) {
        byte[] framed = RecordCodec.encode(r);
        byte[] truncated = Arrays.copyOf(framed, Math.max(0, framed.length - cut));
        assertThatThrownBy(() -> RecordCodec.decode(truncated)).isInstanceOf(CorruptDataException.class);
    }

    @Property
    void everyAlteredByteIsRejected(@ForAll("record") Record r, @ForAll @IntRange(max = 100_000) int at,
                                    @ForAll @IntRange(min = 1, max = 255) int xor) {
        byte[] framed = RecordCodec.encode(r);
        framed[at % framed.length] ^= (byte) xor;
        assertThatThrownBy(() -> RecordCodec.decode(framed)).isInstanceOf(CorruptDataException.class);
    }

    @Property
    void contextsRoundTripAndRejectTruncationAndAlteration(@ForAll("vv") VersionVector v,
                                                           @ForAll @IntRange(max = 100_000) int at,
                                                           @ForAll @IntRange(min = 1, max = 255) int xor) {
        byte[] framed = ContextCodec.encode(v);
        assertThat(ContextCodec.decode(framed)).isEqualTo(v);
        byte[] truncated = Arrays.copyOf(framed, at % framed.length);
        assertThatThrownBy(() -> ContextCodec.decode(truncated)).isInstanceOf(CorruptDataException.class);
        byte[] altered = framed.clone();
        altered[at % altered.length] ^= (byte) xor;
        assertThatThrownBy(() -> ContextCodec.decode(altered)).isInstanceOf(CorruptDataException.class);
    }

    /** Unchecked bodies come from inside checksummed blocks, but a decoder must still fail only one way. */
    @Property
    void garbageBodiesFailOnlyWithCorruptData(@ForAll @Size(max = 200) byte[] garbage) {
        Throwable thrown = catchThrowable(() -> RecordCodec.readBody(new ByteReader(garbage)));
        assertThat(thrown).satisfiesAnyOf(
                t -> assertThat(t).isNull(),
                t -> assertThat(t).isInstanceOf(CorruptDataException.class));
    }
}
