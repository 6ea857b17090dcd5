package io.kvorum.bench;

import java.util.Locale;

/** Byte counts as people read them in the report: {@code 64 MiB}, {@code 16 KiB}, {@code 100 B}. */
final class ByteSizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private ByteSizes() {
    }

    /** The largest binary unit that divides {@code bytes} exactly, so no size is shown rounded. */
    static String of(long bytes) {
        int unit = 0;
        long n = bytes;
        while (n != 0 && n % 1024 == 0 && unit < UNITS.length - 1) {
            n /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%d %s", n, UNITS[unit]);
    }
}
