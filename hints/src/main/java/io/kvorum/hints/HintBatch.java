package io.kvorum.hints;

import java.util.List;

/**
 * Hints for one target in the order they were added, and the cursor after the last of them (the
 * cursor read from when there are none): acknowledge {@code end} once the target has applied them,
 * and read on from it.
 */
public record HintBatch(List<Hint> hints, HintCursor end) {
    public HintBatch {
        hints = List.copyOf(hints);
    }

    public boolean isEmpty() {
        return hints.isEmpty();
    }
}
