package io.kvorum.coordinator;

import io.kvorum.core.Causality;
import io.kvorum.core.Dot;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.storage.KeyRead;
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
 *
 * <p><b>Incomplete replies.</b> A replica that could read only part of its records of the key (a
 * damaged block) is sent what it did not return, which includes whatever the damaged part held that
 * the others have, as a <em>restore</em>: once applied, it counts the key as whole again. Only a
 * merge of at least {@code restoreQuorum} complete replies, a majority of the key's replicas, is
 * trusted to be whole: it holds every write a majority acknowledged, as any quorum read would. With
 * fewer, the missing records still go, as a plain repair, and the replica stays incomplete. So a
 * replica is never declared whole from its own partial answer, and a key with one replica, once
 * damaged, stays incomplete: there is nothing to restore it from.
 */
final class ReadRepair {
    private ReadRepair() {
    }

    /** What to send one replica; {@code restores}: the records make its incomplete answer whole. */
    record Repair(List<Record> records, boolean restores) {
    }

    /**
     * For each replica that answered and is missing something, or answered incomplete, what to send it.
     *
     * @param restoreQuorum complete replies needed before an incomplete replica is restored
     */
    static Map<NodeId, Repair> repairs(Map<NodeId, KeyRead> replies, int restoreQuorum) {
        List<Record> all = new ArrayList<>();
        int complete = 0;
        for (KeyRead read : replies.values()) {
            all.addAll(read.records());
            if (read.isComplete()) {
                complete++;
            }
        }
        List<Record> merged = Causality.resolve(all);
        boolean canRestore = complete >= restoreQuorum;
        Map<NodeId, Repair> repairs = new LinkedHashMap<>();
        for (Map.Entry<NodeId, KeyRead> reply : replies.entrySet()) {
            Set<Dot> has = new HashSet<>();
            for (Record r : reply.getValue().records()) {
                has.add(r.dot());
            }
            List<Record> missing = new ArrayList<>();
            for (Record r : merged) {
                if (!has.contains(r.dot())) {
                    missing.add(r);
                }
            }
            boolean restores = !reply.getValue().isComplete() && canRestore;
            if (restores || !missing.isEmpty()) {
                repairs.put(reply.getKey(), new Repair(List.copyOf(missing), restores));
            }
        }
        return repairs;
    }
}
