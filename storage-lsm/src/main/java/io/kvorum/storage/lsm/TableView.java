package io.kvorum.storage.lsm;

import io.kvorum.core.Causality;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.KeyInterval;
import io.kvorum.storage.KeyRead;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * What reads see: an immutable {@link View} of the active memtable, the frozen memtables waiting
 * for their flush, and the tables, replaced whole under one lock each time one of them changes.
 * A reader takes the current view without locking and works on it; a writer of the view (a
 * freeze, a flush, a compaction, a cleanup step) derives the next view from the current one.
 *
 * <p><b>Read path.</b> Memtables, then every SSTable whose key range and Bloom filter admit the
 * key. Unlike a last-writer-wins engine a read cannot stop at the newest hit: a key's value is the
 * union of its records everywhere, resolved. Data blocks come through a shared byte-bounded cache.
 * A table whose block for the key is damaged is passed over, and the read says it is incomplete.
 * A table that a compaction replaced may be released under a point read, which then retries on the
 * newer view; a scan references every table of its view first, so they stay until it is closed.
 *
 * <p><b>Replacement.</b> A compaction or cleanup puts its outputs in place of its inputs in one
 * step ({@link #replace}); the inputs' files go once their last reader lets go, and only then the
 * {@link CompactionTxn} log, so that a crash before that still finishes the job. Each replacement
 * wakes flushes waiting for the table count to fall below {@code storage.max_open_files}.
 */
final class TableView {
    /** The memtables and tables of one instant. Tables newest generation first. */
    record View(Memtable active, List<Memtable> frozen, List<SSTableReader> tables) {
    }

    private static final Comparator<SSTableReader> NEWEST_FIRST =
            Comparator.comparingLong(SSTableReader::generation).reversed();

    /** Guards replacing {@link #view}; each change derives the new view from the current one. */
    private final Object lock = new Object();
    private volatile View view;
    /** Notified whenever tables leave the view or the store stops, for flushes waiting for a table slot. */
    private final Object tablesLeft = new Object();

    /** A view of {@code tables}, in any order, and an empty active memtable. */
    TableView(List<SSTableReader> tables) {
        List<SSTableReader> sorted = new ArrayList<>(tables);
        sorted.sort(NEWEST_FIRST);
        this.view = new View(new Memtable(), List.of(), List.copyOf(sorted));
    }

    View current() {
        return view;
    }

    List<SSTableReader> tables() {
        return view.tables;
    }

    // ---------------------------------------------------------------- replacement

    /**
     * [the log's append lock held] Freezes the active memtable behind a fresh one, unless it is
     * empty; {@code rollLog} rolls the log and returns the last segment the frozen one owns.
     *
     * @return the frozen memtable, or null when there was nothing to freeze
     */
    Memtable freezeActive(LongSupplier rollLog) {
        synchronized (lock) {
            View v = view;
            if (v.active.isEmpty()) {
                return null;
            }
            Memtable frozen = v.active;
            frozen.freeze(rollLog.getAsLong());
            view = new View(new Memtable(), append(v.frozen, frozen), v.tables);
            return frozen;
        }
    }

    /** Puts the table that {@code memtable} was flushed to in its place. */
    void flushed(Memtable memtable, SSTableReader table) {
        synchronized (lock) {
            View v = view;
            List<Memtable> frozen = new ArrayList<>(v.frozen);
            frozen.remove(memtable);
            view = new View(v.active, List.copyOf(frozen), prepend(table, v.tables));
        }
    }

    /** True when every one of {@code tables} is still in the view. */
    boolean containsAll(Set<SSTableReader> tables) {
        synchronized (lock) {
            return view.tables.containsAll(tables);
        }
    }

    /**
     * [compaction lock held] Puts the committed {@code outputs} of {@code txn} in the view in place of
     * {@code inputs}, whose files go once the last reader lets go, and then the log. Drops the
     * caller's reference to each input.
     */
    void replace(Collection<SSTableReader> inputs, List<SSTableReader> outputs, CompactionTxn txn) {
        synchronized (lock) {
            View v = view;
            List<SSTableReader> tables = new ArrayList<>(v.tables);
            tables.removeAll(inputs);
            tables.addAll(outputs);
            tables.sort(NEWEST_FIRST);
            view = new View(v.active, v.frozen, List.copyOf(tables));
        }
        // The log goes only once the last input file is gone: until then a crash must still
        // finish the compaction by deleting the inputs that remain.
        AtomicInteger undeleted = new AtomicInteger(inputs.size());
        for (SSTableReader t : inputs) {
            t.markObsolete(() -> {
                if (undeleted.decrementAndGet() == 0) {
                    txn.finish();
                }
            });
            t.unref();
        }
        wakeTableWaiters();
    }

    /** Undoes an unfinished replacement in process: its outputs go, then its log. */
    static void rollBack(CompactionTxn txn, List<SSTableReader> outputs) {
        for (SSTableReader t : outputs) {
            t.markObsolete(() -> { });
            t.unref();
        }
        txn.finish();
    }

    /**
     * Waits while {@code full} holds, re-checking it each time tables leave the view or the store
     * stops. {@code full} runs under the monitor that replacements notify, so no wake-up is lost
     * between its check and the wait.
     */
    void awaitTableSlot(BooleanSupplier full) throws InterruptedException {
        synchronized (tablesLeft) {
            while (full.getAsBoolean()) {
                tablesLeft.wait();
            }
        }
    }

    void wakeTableWaiters() {
        synchronized (tablesLeft) {
            tablesLeft.notifyAll();
        }
    }

    /** Drops the view's reference to every table, when the store closes. */
    void releaseTables() {
        for (SSTableReader t : view.tables) {
            t.unref();
        }
    }

    // ---------------------------------------------------------------- reads

    /**
     * The key's records from every source, resolved. A table whose block for the key is damaged
     * is passed over: the answer is then what the other sources hold, marked incomplete with the
     * first damage met, unless {@code restoredOver} holds that block (the key was restored since).
     *
     * @param stillUsable  throws when the store closed or failed, called when a table was released under the read
     * @param restoredOver the damaged blocks ({@link SSTableReader#damagedBlockOf}) the key was restored over
     */
    KeyRead read(Key key, Runnable stillUsable, Set<Long> restoredOver) {
        retry:
        while (true) {
            View v = view;
            List<Record> found = get(null, v.active.get(key));
            for (Memtable m : v.frozen) {
                found = get(found, m.get(key));
            }
            String damage = "";
            for (SSTableReader t : v.tables) {
                if (t.mayContain(key)) {
                    List<Record> r;
                    try {
                        r = t.get(key);
                    } catch (CorruptDataException e) {
                        if (damage.isEmpty() && !restoredOver.contains(t.damagedBlockOf(key))) {
                            damage = e.getMessage();
                        }
                        continue;
                    }
                    if (r == null) {
                        // Released under us: a compaction replaced it (retry on the newer view) or
                        // the store closed (stop).
                        stillUsable.run();
                        continue retry;
                    }
                    found = get(found, r);
                }
            }
            List<Record> records = found == null ? List.of()
                    : found instanceof Union u ? Causality.resolve(u) : Collections.unmodifiableList(found);
            return damage.isEmpty() ? KeyRead.complete(records) : KeyRead.incomplete(records, damage);
        }
    }

    /** The damaged blocks of the current tables that may hold {@code key}: what a restore of it is over. */
    Set<Long> damagedBlocksOf(Key key) {
        Set<Long> blocks = new HashSet<>();
        for (SSTableReader t : view.tables) {
            if (t.isDamaged() && t.mayContain(key)) {
                long b = t.damagedBlockOf(key);
                if (b >= 0) {
                    blocks.add(b);
                }
            }
        }
        return blocks;
    }

    /** The tables compactions may merge: every one but those with a damaged block (see {@link CompactionAgent}). */
    static List<SSTableReader> compactable(List<SSTableReader> tables) {
        for (SSTableReader t : tables) {
            if (t.isDamaged()) {
                return tables.stream().filter(x -> !x.isDamaged()).toList();
            }
        }
        return tables;
    }


    /** A list of records gathered from more than one source, which must be resolved together. */
    private static final class Union extends ArrayList<Record> {
        Union(List<Record> first) {
            super(first);
        }
    }

    private static List<Record> get(List<Record> found, List<Record> more) {
        if (more == null || more.isEmpty()) {
            return found;
        }
        if (found == null) {
            return more;
        }
        List<Record> union = found instanceof Union ? found : new Union(found);
        union.addAll(more);
        return union;
    }

    /** The records of {@code range} in storage order, from one view whose tables stay until the scan is closed. */
    CloseableIterator<Record> scan(TokenRange range, Runnable stillUsable) {
        View v;
        while (true) {
            v = view;
            if (refAll(v.tables)) {
                break;
            }
            stillUsable.run();
        }
        return new Scan(v, KeyInterval.of(range));
    }

    /** References every table, or none when one has been released already. */
    static boolean refAll(List<SSTableReader> tables) {
        for (int i = 0; i < tables.size(); i++) {
            if (!tables.get(i).tryRef()) {
                for (int j = 0; j < i; j++) {
                    tables.get(j).unref();
                }
                return false;
            }
        }
        return true;
    }

    /** Merges every source of one view, interval by interval, and flattens key groups to records. */
    private static final class Scan implements CloseableIterator<Record> {
        private final View view;
        private final Iterator<KeyInterval> intervals;
        private Iterator<KeyGroup> groups = Collections.emptyIterator();
        private Iterator<Record> records = Collections.emptyIterator();
        private boolean closed;

        Scan(View view, List<KeyInterval> intervals) {
            this.view = view;
            this.intervals = intervals.iterator();
        }

        @Override
        public boolean hasNext() {
            while (!records.hasNext()) {
                if (closed) {
                    return false;
                }
                while (!groups.hasNext()) {
                    if (!intervals.hasNext()) {
                        return false;
                    }
                    groups = merge(intervals.next());
                }
                records = groups.next().records().iterator();
            }
            return true;
        }

        private Iterator<KeyGroup> merge(KeyInterval interval) {
            List<Iterator<KeyGroup>> sources = new ArrayList<>();
            sources.add(view.active.groups(interval));
            for (Memtable m : view.frozen) {
                sources.add(m.groups(interval));
            }
            for (SSTableReader t : view.tables) {
                sources.add(t.scan(interval));
            }
            return sources.size() == 1 ? sources.get(0) : new MergingIterator(sources);
        }

        @Override
        public Record next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return records.next();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                for (SSTableReader t : view.tables) {
                    t.unref();
                }
            }
        }
    }

    /**
     * True when a memtable or a table outside {@code inputs} may hold {@code key}: what a tombstone
     * in the inputs superseded may then still exist.
     */
    boolean mayExistOutside(Key key, Set<SSTableReader> inputs) {
        View v = view;
        if (v.active.containsKey(key)) {
            return true;
        }
        for (Memtable m : v.frozen) {
            if (m.containsKey(key)) {
                return true;
            }
        }
        for (SSTableReader t : v.tables) {
            if (!inputs.contains(t) && t.mayContain(key)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- sizes

    /** Heap held by the memtables of {@code v}. */
    static long memtableBytes(View v) {
        long bytes = v.active.heapBytes();
        for (Memtable m : v.frozen) {
            bytes += m.heapBytes();
        }
        return bytes;
    }

    static long totalBytes(List<SSTableReader> tables) {
        long sum = 0;
        for (SSTableReader t : tables) {
            sum += t.sizeBytes();
        }
        return sum;
    }

    private static <T> List<T> append(List<T> list, T item) {
        List<T> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(item);
        return List.copyOf(out);
    }

    private static <T> List<T> prepend(T item, List<T> list) {
        List<T> out = new ArrayList<>(list.size() + 1);
        out.add(item);
        out.addAll(list);
        return List.copyOf(out);
    }
}
