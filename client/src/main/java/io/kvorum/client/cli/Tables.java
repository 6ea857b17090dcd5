package io.kvorum.client.cli;

import java.io.PrintStream;
import java.util.List;

/** Text tables, columns as wide as their widest cell; left-aligned unless a column is numeric. */
final class Tables {
    private Tables() {
    }

    static void print(PrintStream out, List<String[]> rows) {
        print(out, rows, 0);
    }

    /** Prints {@code rows}, the first being the header; columns from {@code firstNumeric} on align right. */
    static void print(PrintStream out, List<String[]> rows, int firstNumeric) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String pad = " ".repeat(widths[i] - row[i].length());
                boolean right = firstNumeric > 0 && i >= firstNumeric;
                line.append(i == 0 ? "" : "  ").append(right ? pad + row[i] : row[i] + pad);
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
