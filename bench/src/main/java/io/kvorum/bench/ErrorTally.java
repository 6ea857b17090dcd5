package io.kvorum.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Failed operations counted by kind, with the first message of each kind: enough to tell a run
 * that lost a node ({@code UnavailableException}) from one that overloaded the cluster
 * ({@code RequestTimeoutException}) without printing thousands of lines.
 *
 * <p>A kind is the exception's simple class name, or a name the benchmark gives a wrong answer
 * (see {@link ClusterRunner}). The number of kinds is bounded by {@value #MAX_KINDS}; anything
 * beyond is counted under {@code other}, so an exception whose class varies cannot grow the tally
 * without bound. Not thread-safe: each worker thread keeps its own and they are merged at the end.
 */
final class ErrorTally {
    static final int MAX_KINDS = 32;
    static final String OTHER = "other";

    /** Counts and first message of one kind. */
    record Kind(String name, long reads, long writes, String firstMessage) {
        long total() {
            return reads + writes;
        }
    }

    private final Map<String, long[]> counts = new LinkedHashMap<>();
    private final Map<String, String> firstMessages = new LinkedHashMap<>();

    void record(String kind, boolean read, String message) {
        count(kind, read ? 1 : 0, read ? 0 : 1, String.valueOf(message));
    }

    void add(ErrorTally other) {
        other.counts.forEach((kind, c) -> count(kind, c[0], c[1], other.firstMessages.get(kind)));
    }

    private void count(String kind, long reads, long writes, String message) {
        String name = counts.containsKey(kind) || counts.size() < MAX_KINDS - 1 ? kind : OTHER;
        long[] c = counts.computeIfAbsent(name, k -> new long[2]);
        c[0] += reads;
        c[1] += writes;
        firstMessages.putIfAbsent(name, name.equals(kind) ? message : kind + ": " + message);
    }

    long total() {
        return counts.values().stream().mapToLong(c -> c[0] + c[1]).sum();
    }

    /** Every kind, the most frequent first (ties by name, so the order is stable). */
    List<Kind> kinds() {
        List<Kind> kinds = new ArrayList<>();
        counts.forEach((name, c) -> kinds.add(new Kind(name, c[0], c[1], firstMessages.get(name))));
        kinds.sort(Comparator.comparingLong(Kind::total).reversed().thenComparing(Kind::name));
        return kinds;
    }
}
