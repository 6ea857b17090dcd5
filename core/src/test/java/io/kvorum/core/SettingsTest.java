package io.kvorum.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    enum Mode { FAST, SAFE }

    static final Setting<Long> SIZE = Setting.bytes("storage.memtable_max_bytes", 64 << 20, 1 << 20, 1L << 40, "doc");
    static final Setting<Long> PERIOD = Setting.millis("storage.sync_period_ms", 1000, 1, 60_000, "doc");
    static final Setting<Mode> MODE = Setting.enumeration("storage.mode", Mode.class, Mode.SAFE, "doc");
    static final Setting<Integer> COUNT = Setting.integer("storage.count", 4, 2, 32, "doc");

    @Test
    void defaultsApplyWhenAKeyIsAbsent() {
        assertThat(Settings.empty().get(SIZE)).isEqualTo(64L << 20);
        assertThat(Settings.empty().get(MODE)).isEqualTo(Mode.SAFE);
    }

    @Test
    void sizesAndDurationsAcceptUnits() {
        Settings s = Settings.of(Map.of(SIZE.key(), "16MiB", PERIOD.key(), "10s", MODE.key(), "fast"));
        assertThat(s.get(SIZE)).isEqualTo(16L << 20);
        assertThat(s.get(PERIOD)).isEqualTo(10_000L);
        assertThat(s.get(MODE)).isEqualTo(Mode.FAST);
        assertThat(Settings.of(Map.of(SIZE.key(), "2097152")).get(SIZE)).isEqualTo(2L << 20);
        assertThat(Settings.of(Map.of(PERIOD.key(), "250ms")).get(PERIOD)).isEqualTo(250L);
    }

    @Test
    void badValuesNameTheKeyTheValueAndTheExpectation() {
        assertThatThrownBy(() -> Settings.of(Map.of(SIZE.key(), "lots")).get(SIZE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("storage.memtable_max_bytes")
                .hasMessageContaining("'lots'")
                .hasMessageContaining("expected");
        assertThatThrownBy(() -> Settings.of(Map.of(COUNT.key(), "1")).get(COUNT))
                .hasMessageContaining("storage.count: 1 (expected: an integer from 2 to 32)");
        assertThatThrownBy(() -> Settings.of(Map.of(MODE.key(), "turbo")).get(MODE))
                .hasMessageContaining("one of fast, safe");
    }

    @Test
    void unknownKeysAreRejectedWithASuggestion() {
        Settings s = Settings.of(Map.of("storage.memtable_max_byte", "1"));
        assertThatThrownBy(() -> s.requireOnlyKnown(List.of(SIZE, PERIOD)))
                .hasMessage("unknown setting 'storage.memtable_max_byte'; did you mean storage.memtable_max_bytes?");
        Settings.of(Map.of(SIZE.key(), "1MiB")).requireOnlyKnown(List.of(SIZE));
    }

    @Test
    void valuesFormatAsAConfigFileWouldSayThemAndParseBack() {
        assertThat(SIZE.format(64L << 20)).isEqualTo("64MiB");
        assertThat(SIZE.format(1000L)).isEqualTo("1000");
        assertThat(PERIOD.format(10_000L)).isEqualTo("10s");
        assertThat(PERIOD.format(250L)).isEqualTo("250ms");
        assertThat(MODE.format(Mode.SAFE)).isEqualTo("safe");
        for (long v : new long[] {1L << 20, 3_000_000L, 7L << 30}) {
            assertThat(SIZE.parse(SIZE.format(v))).isEqualTo(v);
        }
        assertThat(PERIOD.parse(PERIOD.format(60_000L))).isEqualTo(60_000L);
    }

    @Test
    void typedOverridesAreValidated() {
        assertThat(Settings.empty().with(COUNT, 8).get(COUNT)).isEqualTo(8);
        assertThatThrownBy(() -> Settings.empty().with(COUNT, 99)).hasMessageContaining("storage.count: 99");
    }
}
