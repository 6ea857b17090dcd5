package io.kvorum.storage.lsm;

import io.kvorum.core.Key;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses what to compact, leveled: LevelDB's scheme (and Cassandra's LCS), as a pure function.
 *
 * <p>Level 0 holds flushed tables, whose key ranges overlap. Every level from 1 down holds tables
 * with disjoint key ranges, about {@code tableBytes} each, and may hold {@code level1Bytes} times
 * {@link #FANOUT}^(n-1) bytes. In order of priority:
 * <ol>
 *   <li>once level 0 has {@code l0Trigger} tables (or the store nears {@code maxOpenFiles}), all of
 *       them merge with the level-1 tables they overlap, into level 1;
 *   <li>else the shallowest level over its size sends its oldest table down, merged with the tables
 *       of the next level that it overlaps.
 * </ol>
 * Output is split into tables of {@code tableBytes} at key boundaries. The next level's tables that
 * a compaction does not touch lie entirely outside its key range, so levels stay disjoint.
 */
final class LeveledPicker implements CompactionPicker {
    static final int FANOUT = 10;

    private final int l0Trigger;
    private final long level1Bytes;
    private final long tableBytes;
    private final int maxOpenFiles;

    LeveledPicker(int l0Trigger, long level1Bytes, long tableBytes, int maxOpenFiles) {
        this.l0Trigger = l0Trigger;
        this.level1Bytes = level1Bytes;
        this.tableBytes = tableBytes;
        this.maxOpenFiles = maxOpenFiles;
    }

    @Override
    public <T extends TableInfo> Compaction<T> next(List<T> tables) {
        List<T> level0 = level(tables, 0);
        if (!level0.isEmpty() && (level0.size() >= l0Trigger || tables.size() >= maxOpenFiles * 3 / 4)) {
            return downInto(1, level0, tables);
        }
        int deepest = tables.stream().mapToInt(TableInfo::level).max().orElse(0);
        for (int level = 1; level <= deepest && level < TableMetadata.MAX_LEVEL; level++) {
            List<T> here = level(tables, level);
            long bytes = here.stream().mapToLong(TableInfo::sizeBytes).sum();
            if (bytes > maxBytes(level)) {
                T oldest = here.stream().min(Comparator.comparingLong(TableInfo::generation)).orElseThrow();
                return downInto(level + 1, List.of(oldest), tables);
            }
        }
        return null;
    }

    /** Everything into the deepest level in use (at least 1), split as usual. */
    @Override
    public <T extends TableInfo> Compaction<T> major(List<T> tables) {
        if (tables.isEmpty()) {
            return null;
        }
        int deepest = Math.max(1, tables.stream().mapToInt(TableInfo::level).max().orElse(1));
        return new Compaction<>(List.copyOf(tables), deepest, tableBytes);
    }

    long maxBytes(int level) {
        long max = level1Bytes;
        for (int i = 1; i < level && max < Long.MAX_VALUE / FANOUT; i++) {
            max *= FANOUT;
        }
        return max;
    }

    /** {@code from} plus the tables of {@code level} whose ranges they overlap, into {@code level}. */
    private <T extends TableInfo> Compaction<T> downInto(int level, List<T> from, List<T> tables) {
        Key first = from.get(0).firstKey();
        Key last = from.get(0).lastKey();
        for (T t : from) {
            first = t.firstKey().compareTo(first) < 0 ? t.firstKey() : first;
            last = t.lastKey().compareTo(last) > 0 ? t.lastKey() : last;
        }
        List<T> inputs = new ArrayList<>(from);
        for (T t : level(tables, level)) {
            if (t.overlaps(first, last)) {
                inputs.add(t);
            }
        }
        return new Compaction<>(inputs, level, tableBytes);
    }

    private static <T extends TableInfo> List<T> level(List<T> tables, int level) {
        List<T> out = new ArrayList<>();
        for (T t : tables) {
            if (t.level() == level) {
                out.add(t);
            }
        }
        return out;
    }
}
