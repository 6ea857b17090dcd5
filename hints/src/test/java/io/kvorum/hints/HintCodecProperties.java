package io.kvorum.hints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.ByteReader;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Record;
import io.kvorum.core.testing.RecordArbitraries;
import io.kvorum.storage.lsm.EntryLog;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** A hint's payload holds exactly its creation time and records, and nothing else decodes as one. */
class HintCodecProperties {

    @Provide
    Arbitrary<List<Record>> records() {
        return RecordArbitraries.records().list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 300)
    void aHintDecodesToWhatWasEncoded(@ForAll @LongRange(min = 0) long createdAt,
                                      @ForAll("records") List<Record> records) {
        byte[] entry = HintCodec.encode(createdAt, records);
        HintCursor end = new HintCursor(123);

        Hint h = HintCodec.decode(payload(entry, entry.length), end);

        assertThat(h.createdAtMillis()).isEqualTo(createdAt);
        assertThat(h.records()).isEqualTo(records);
        assertThat(h.end()).isEqualTo(end);
        assertThat(HintCodec.createdAt(payload(entry, entry.length))).isEqualTo(createdAt);
    }

    @Property(tries = 300)
    void aPayloadCutShortOrExtendedIsRejected(@ForAll @LongRange(min = 0) long createdAt,
                                             @ForAll("records") List<Record> records,
                                             @ForAll @LongRange(min = 0, max = 1_000_000) long cutSeed) {
        byte[] entry = HintCodec.encode(createdAt, records);
        int payloadBytes = entry.length - EntryLog.HEADER_BYTES;
        int cut = (int) (cutSeed % payloadBytes);
        assertThatThrownBy(() -> HintCodec.decode(payload(entry, EntryLog.HEADER_BYTES + cut), new HintCursor(1)))
                .isInstanceOf(CorruptDataException.class);
        byte[] longer = Arrays.copyOf(entry, entry.length + 1);
        assertThatThrownBy(() -> HintCodec.decode(payload(longer, longer.length), new HintCursor(1)))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("after its records");
    }

    @Test
    void anUnknownVersionOrNoRecordIsRejectedAndEncodingRefusesBadArguments() {
        byte[] entry = HintCodec.encode(5, HintFixtures.records(1, 10));
        entry[EntryLog.HEADER_BYTES] = 2;
        assertThatThrownBy(() -> HintCodec.decode(payload(entry, entry.length), new HintCursor(1)))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("version 2");
        byte[] empty = {HintCodec.FORMAT_VERSION, 5, 0};
        assertThatThrownBy(() -> HintCodec.decode(new ByteReader(empty), new HintCursor(1)))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("no record");
        assertThatThrownBy(() -> HintCodec.encode(-1, HintFixtures.records(1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("createdAtMillis: -1");
        assertThatThrownBy(() -> HintCodec.encode(1, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one record");
    }

    private static ByteReader payload(byte[] entry, int length) {
        return new ByteReader(entry, EntryLog.HEADER_BYTES, length - EntryLog.HEADER_BYTES);
    }
}
