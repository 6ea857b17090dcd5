package io.kvorum.storage.lsm;

import io.kvorum.core.Causality;
import io.kvorum.core.Record;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Merges sources of key groups, each in storage order, into one sequence in storage order where
 * each key appears once with the union of its records from every source, resolved.
 *
 * <p>Sources already hold resolved groups (memtables resolve on insert, tables were written
 * resolved), so a key found in a single source passes through untouched.
 */
final class MergingIterator extends LookaheadIterator<KeyGroup> {
    private final PriorityQueue<Source> heap;

    MergingIterator(List<Iterator<KeyGroup>> sources) {
        this.heap = new PriorityQueue<>(Math.max(1, sources.size()),
                (a, b) -> a.head.key().compareTo(b.head.key()));
        for (Iterator<KeyGroup> s : sources) {
            if (s.hasNext()) {
                heap.add(new Source(s));
            }
        }
    }

    @Override
    protected KeyGroup computeNext() {
        if (heap.isEmpty()) {
            return null;
        }
        if (heap.size() == 1) {
            // One source left (the usual case once compaction has run): no ordering to keep.
            Source only = heap.peek();
            KeyGroup group = only.head;
            if (!only.advance()) {
                heap.poll();
            }
            return group;
        }
        Source first = heap.poll();
        KeyGroup group = first.head;
        List<Record> union = null;
        while (!heap.isEmpty() && heap.peek().head.key().equals(group.key())) {
            Source same = heap.poll();
            if (union == null) {
                union = new ArrayList<>(group.records());
            }
            union.addAll(same.head.records());
            if (same.advance()) {
                heap.add(same);
            }
        }
        if (first.advance()) {
            heap.add(first);
        }
        return union == null ? group : new KeyGroup(group.key(), Causality.resolve(union));
    }

    private static final class Source {
        private final Iterator<KeyGroup> it;
        private KeyGroup head;

        Source(Iterator<KeyGroup> it) {
            this.it = it;
            this.head = it.next();
        }

        boolean advance() {
            if (it.hasNext()) {
                head = it.next();
                return true;
            }
            return false;
        }
    }
}
