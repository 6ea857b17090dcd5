package io.kvorum.coordinator;

import io.kvorum.core.Causality;
import io.kvorum.core.Dot;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What read repair sends, as a pure function of the replies (as Voldemort's {@code ReadRepairer}):
 * each replica gets the live records of the merged result that it did not return.
 *
 * <p>That is enough for it to converge: what it keeps but did not receive is either in the merged
 * result or obsolete under a record that is (a context that covers a record covers all that record
 * covered), so after the union its live records are exactly the merged ones. Sending every missing
 * live record of the key together, never one without the rest, keeps the rule that a replica never
 * holds an actor's later dot without the earlier live ones.
 */
final class ReadRepair {
    private ReadRepair() {
    }

    /** For each replica that answered and is missing something, the records to send it. */
    static Map<NodeId, List<Record>> repairs(Map<NodeId, List<Record>> replies) {
        List<Record> all = new ArrayList<>();
        replies.values().forEach(all::addAll);
        List<Record> merged = Causality.resolve(all);
        Map<NodeId, List<Record>> repairs = new LinkedHashMap<>();
        for (Map.Entry<NodeId, List<Record>> reply : replies.entrySet()) {
            Set<Dot> has = new HashSet<>();
            for (Record r : reply.getValue()) {
                has.add(r.dot());
            }
            List<Record> missing = new ArrayList<>();
            for (Record r : merged) {
                if (!has.contains(r.dot())) {
                    missing.add(r);
                }
            }
            if (!missing.isEmpty()) {
                repairs.put(reply.getKey(), missing);
            }
        }
        return repairs;
    }
}
