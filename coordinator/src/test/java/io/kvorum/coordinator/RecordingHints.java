package io.kvorum.coordinator;

import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.storage.Durability;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A hint sink that keeps what it is given per target, and refuses everything when told to. */
final class RecordingHints implements HintSink {
    record Hint(List<Record> records, Durability durability) {
    }

    private final Map<NodeId, List<Hint>> byTarget = new ConcurrentHashMap<>();
    volatile boolean refusing;

    @Override
    public synchronized boolean add(NodeId replica, List<Record> records, Durability durability) {
        if (refusing) {
            return false;
        }
        byTarget.computeIfAbsent(replica, r -> new ArrayList<>()).add(new Hint(List.copyOf(records), durability));
        return true;
    }

    synchronized List<Hint> of(NodeId target) {
        return List.copyOf(byTarget.getOrDefault(target, List.of()));
    }

    synchronized int total() {
        return byTarget.values().stream().mapToInt(List::size).sum();
    }
}
