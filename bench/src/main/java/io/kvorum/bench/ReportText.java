package io.kvorum.bench;

import java.util.List;
import java.util.Locale;

/**
 * The number formats and the plain-text table that both benchmarks' reports use, so that a
 * latency or a rate reads the same in either and the two tables line up the same way.
 */
final class ReportText {
    private ReportText() {
    }

    /** Nanoseconds as microseconds with two decimals: {@code 1234.57}. */
    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e3);
    }

    /** Nanoseconds as milliseconds with three decimals (microsecond resolution): {@code 1.235}. */
    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    /** A count or rate rounded to a whole number, with thousands separators: {@code 12,345}. */
    static String whole(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** Left-aligned labels in the first {@code labelColumns}, right-aligned numbers, two spaces between columns. */
    static String table(List<List<String>> rows, int labelColumns) {
        int columns = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                String pad = " ".repeat(widths[c] - cell.length());
                line.append(c == 0 ? "" : "  ").append(c < labelColumns ? cell + pad : pad + cell);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
