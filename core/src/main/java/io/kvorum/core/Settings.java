package io.kvorum.core;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Raw configuration (key to string, from the config file and {@code --key=value} flags) read
 * through typed {@link Setting}s. Immutable.
 *
 * <p>A key nobody declared is an error, not a silent no-op: {@link #requireOnlyKnown} names it
 * and suggests the closest known key, because a misspelt {@code memtable_max_byte} that is
 * quietly ignored is how a production node ends up running on defaults.
 */
public final class Settings {
    private static final Settings EMPTY = new Settings(Map.of());

    private final Map<String, String> raw;

    private Settings(Map<String, String> raw) {
        this.raw = raw;
    }

    public static Settings empty() {
        return EMPTY;
    }

    public static Settings of(Map<String, String> raw) {
        return new Settings(Map.copyOf(raw));
    }

    /** The typed value of {@code setting}: parsed from the raw string when present, else its default. */
    public <T> T get(Setting<T> setting) {
        String value = raw.get(setting.key());
        return value == null ? setting.defaultValue() : setting.parse(value);
    }

    /** A copy with {@code setting} set to {@code value} (validated now). */
    public <T> Settings with(Setting<T> setting, T value) {
        setting.validate(value);
        return with(setting.key(), String.valueOf(value));
    }

    /** A copy with a raw value; validated when read. */
    public Settings with(String key, String value) {
        Map<String, String> copy = new HashMap<>(raw);
        copy.put(key, value);
        return new Settings(Map.copyOf(copy));
    }

    /** The raw entries, sorted by key, for logging the effective configuration at start. */
    public Map<String, String> asMap() {
        return new TreeMap<>(raw);
    }

    /** Rejects any key that is not one of {@code known}, naming it and the nearest known key. */
    public void requireOnlyKnown(Collection<? extends Setting<?>> known) {
        Set<String> names = new HashSet<>();
        for (Setting<?> s : known) {
            names.add(s.key());
        }
        for (String key : new TreeMap<>(raw).keySet()) {
            if (!names.contains(key)) {
                String nearest = null;
                int best = Integer.MAX_VALUE;
                for (String n : names) {
                    int d = editDistance(key, n);
                    if (d < best) {
                        best = d;
                        nearest = n;
                    }
                }
                String hint = nearest != null && best <= Math.max(3, key.length() / 4) ? "; did you mean " + nearest + "?" : "";
                throw new IllegalArgumentException("unknown setting '" + key + "'" + hint);
            }
        }
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
