package io.kvorum.core;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One typed configuration key: its name, default, parser, validation and documentation.
 *
 * <p>Each subsystem declares its settings as constants next to the code that uses them (see
 * {@code LsmSettings}); {@link Settings} holds the raw strings from the config file and the
 * command line and turns them into typed values once, at start. Names carry their unit:
 * {@code storage.memtable_max_bytes}, {@code storage.commitlog_sync_period_ms}.
 *
 * <p>Sizes accept plain bytes or a binary suffix ({@code 64MiB}, {@code 16KiB}, {@code 1GiB});
 * durations accept plain milliseconds or a suffix ({@code 500ms}, {@code 10s}, {@code 5m},
 * {@code 1h}, {@code 10d}).
 */
public final class Setting<T> {
    private final String key;
    private final T defaultValue;
    private final Function<String, T> parser;
    private final Predicate<T> validator;
    private final String expected;
    private final String doc;
    private final Function<T, String> formatter;

    private Setting(String key, T defaultValue, Function<String, T> parser, Predicate<T> validator,
                    String expected, String doc) {
        this(key, defaultValue, parser, validator, expected, doc, String::valueOf);
    }

    private Setting(String key, T defaultValue, Function<String, T> parser, Predicate<T> validator,
                    String expected, String doc, Function<T, String> formatter) {
        this.key = Objects.requireNonNull(key, "key");
        this.defaultValue = defaultValue;
        this.parser = parser;
        this.validator = validator;
        this.expected = expected;
        this.doc = doc;
        this.formatter = formatter;
        if (!validator.test(defaultValue)) {
            throw new IllegalArgumentException(key + ": default " + defaultValue + " (expected: " + expected + ")");
        }
    }

    public static Setting<Long> bytes(String key, long defaultValue, long min, long max, String doc) {
        return new Setting<>(key, defaultValue, Setting::parseBytes, v -> v >= min && v <= max,
                "a size in bytes from " + min + " to " + max + ", e.g. 65536 or 64KiB", doc, Setting::formatBytes);
    }

    public static Setting<Long> millis(String key, long defaultValue, long min, long max, String doc) {
        return new Setting<>(key, defaultValue, Setting::parseMillis, v -> v >= min && v <= max,
                "a duration from " + min + "ms to " + max + "ms, e.g. 500ms or 10s", doc, Setting::formatMillis);
    }

    public static Setting<Integer> integer(String key, int defaultValue, int min, int max, String doc) {
        return new Setting<>(key, defaultValue, Integer::valueOf, v -> v >= min && v <= max,
                "an integer from " + min + " to " + max, doc);
    }

    public static Setting<Double> decimal(String key, double defaultValue, double min, double max, String doc) {
        return new Setting<>(key, defaultValue, Double::valueOf, v -> v >= min && v <= max,
                "a number from " + min + " to " + max, doc);
    }

    public static Setting<String> text(String key, String defaultValue, String doc) {
        return new Setting<>(key, defaultValue, s -> s, v -> true, "text", doc);
    }

    public static Setting<Boolean> bool(String key, boolean defaultValue, String doc) {
        return new Setting<>(key, defaultValue, Setting::parseBoolean, v -> true, "true or false", doc);
    }

    public static <E extends Enum<E>> Setting<E> enumeration(String key, Class<E> type, E defaultValue, String doc) {
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            names.append(names.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        return new Setting<>(key, defaultValue, s -> Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT)),
                v -> true, "one of " + names, doc, v -> v.name().toLowerCase(Locale.ROOT));
    }

    public String key() {
        return key;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    /** What a valid value looks like, for error messages and generated documentation. */
    public String expected() {
        return expected;
    }

    /** A value as a config file would say it: {@code 64MiB}, {@code 10s}, {@code size_tiered}. */
    public String format(T value) {
        return formatter.apply(value);
    }

    /** Parses and validates {@code raw}, naming the key, the value and what was expected on failure. */
    public T parse(String raw) {
        T value;
        try {
            value = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + ": '" + raw + "' (expected: " + expected + ")", e);
        }
        return validate(value);
    }

    /** Checks a typed value against this setting's bounds. */
    public T validate(T value) {
        if (value == null || !validator.test(value)) {
            throw new IllegalArgumentException(key + ": " + value + " (expected: " + expected + ")");
        }
        return value;
    }

    @Override
    public String toString() {
        return key;
    }

    static long parseBytes(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        long unit = 1;
        String[][] suffixes = {{"tib", "1099511627776"}, {"gib", "1073741824"}, {"mib", "1048576"},
                {"kib", "1024"}, {"b", "1"}};
        for (String[] suffix : suffixes) {
            if (t.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                t = t.substring(0, t.length() - suffix[0].length()).trim();
                break;
            }
        }
        return Math.multiplyExact(Long.parseLong(t), unit);
    }

    static String formatBytes(long v) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        long[] sizes = {1L << 40, 1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) {
            if (v != 0 && v % sizes[i] == 0) {
                return v / sizes[i] + units[i];
            }
        }
        return Long.toString(v);
    }

    static String formatMillis(long v) {
        String[] units = {"d", "h", "m", "s"};
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L};
        for (int i = 0; i < units.length; i++) {
            if (v != 0 && v % sizes[i] == 0) {
                return v / sizes[i] + units[i];
            }
        }
        return v + "ms";
    }

    static long parseMillis(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        String[][] suffixes = {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}, {"d", "86400000"}};
        for (String[] suffix : suffixes) {
            if (t.endsWith(suffix[0])) {
                String number = t.substring(0, t.length() - suffix[0].length()).trim();
                return Math.multiplyExact(Long.parseLong(number), Long.parseLong(suffix[1]));
            }
        }
        return Long.parseLong(t);
    }

    private static boolean parseBoolean(String s) {
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean");
    }
}
