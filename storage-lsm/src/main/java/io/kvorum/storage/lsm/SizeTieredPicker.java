package io.kvorum.storage.lsm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Chooses what to compact next, size-tiered: tables of similar size are merged together, so each
 * record is rewritten about log(n) times over its life and writes stay cheap. This is Cassandra's
 * SizeTieredCompactionStrategy, a pure function here so that it is tested without files.
 *
 * <p>Tables sorted by size fall into buckets: a table joins the current bucket when its size is
 * within [0.5, 1.5] of the bucket's average, or when both are under {@link #SMALL_TABLE_BYTES}
 * (fresh flushes vary in size; they belong together anyway). A bucket with at least
 * {@code minThreshold} tables is a candidate; the one with the smallest average wins, since it
 * cuts the table count, which is what point reads pay for, at the least cost. At most
 * {@code maxThreshold} of its smallest tables are merged.
 *
 * <p>When the table count nears {@code maxOpenFiles} (three quarters of it) the smallest tables
 * are merged whatever their tiers: the limit on open files outranks write amplification.
 */
final class SizeTieredPicker implements CompactionPicker {
    static final long SMALL_TABLE_BYTES = 50L * 1024 * 1024;
    private static final double BUCKET_LOW = 0.5;
    private static final double BUCKET_HIGH = 1.5;

    private final int minThreshold;
    private final int maxThreshold;
    private final int maxOpenFiles;

    SizeTieredPicker(int minThreshold, int maxThreshold, int maxOpenFiles) {
        this.minThreshold = minThreshold;
        this.maxThreshold = maxThreshold;
        this.maxOpenFiles = maxOpenFiles;
    }

    @Override
    public <T extends TableInfo> Compaction<T> next(List<T> tables) {
        List<T> inputs = pick(tables, TableInfo::sizeBytes);
        return inputs.isEmpty() ? null : new Compaction<>(inputs, 0, Long.MAX_VALUE);
    }

    @Override
    public <T extends TableInfo> Compaction<T> major(List<T> tables) {
        return tables.isEmpty() ? null : new Compaction<>(List.copyOf(tables), 0, Long.MAX_VALUE);
    }

    /** The tables to merge next (at least two), or an empty list when no tier is due. */
    <T> List<T> pick(List<T> tables, ToLongFunction<T> size) {
        List<T> bySize = new ArrayList<>(tables);
        bySize.sort(Comparator.comparingLong(size));
        if (tables.size() >= maxOpenFiles * 3 / 4) {
            return new ArrayList<>(bySize.subList(0, Math.min(bySize.size(), maxThreshold)));
        }
        List<List<T>> buckets = new ArrayList<>();
        List<T> current = null;
        double currentAverage = 0;
        for (T t : bySize) {
            long s = size.applyAsLong(t);
            boolean fits = current != null
                    && ((s >= currentAverage * BUCKET_LOW && s <= currentAverage * BUCKET_HIGH)
                    || (s < SMALL_TABLE_BYTES && currentAverage < SMALL_TABLE_BYTES));
            if (!fits) {
                current = new ArrayList<>();
                buckets.add(current);
                currentAverage = 0;
            }
            currentAverage = (currentAverage * current.size() + s) / (current.size() + 1);
            current.add(t);
        }
        for (List<T> bucket : buckets) {
            // Buckets come in ascending size, so the first due one has the smallest average.
            if (bucket.size() >= minThreshold) {
                return new ArrayList<>(bucket.subList(0, Math.min(bucket.size(), maxThreshold)));
            }
        }
        return List.of();
    }
}
