package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Causality;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.testing.RecordArbitraries;
import io.kvorum.storage.KeyRead;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class ReadRepairProperties {

    @Provide
    Arbitrary<List<Record>> pool() {
        return RecordArbitraries.recordPoolOfOneKey();
    }

    /** Three replicas' replies, each a subset of the pool chosen by {@code masks}; those in {@code incomplete} are marked so. */
    private static Map<NodeId, KeyRead> replies(List<Record> pool, long masks, int incomplete) {
        Map<NodeId, KeyRead> replies = new LinkedHashMap<>();
        for (int replica = 0; replica < 3; replica++) {
            List<Record> state = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) {
                if ((masks >>> (replica * 20 + i) & 1) == 1) {
                    state.add(pool.get(i));
                }
            }
            List<Record> resolved = Causality.resolve(state);
            replies.put(new NodeId(replica), (incomplete >>> replica & 1) == 1
                    ? KeyRead.incomplete(resolved, "block 0 damaged") : KeyRead.complete(resolved));
        }
        return replies;
    }

    private static List<Record> merged(Map<NodeId, KeyRead> replies) {
        List<Record> all = new ArrayList<>();
        replies.values().forEach(r -> all.addAll(r.records()));
        return Causality.resolve(all);
    }

    /** After each replica applies its repair, every replica holds exactly the merged live records. */
    @Property
    void repairedReplicasConvergeOnTheMergedState(@ForAll("pool") List<Record> pool, @ForAll long masks,
                                                   @ForAll @IntRange(min = 0, max = 7) int incomplete,
                                                   @ForAll @IntRange(min = 1, max = 3) int restoreQuorum) {
        Map<NodeId, KeyRead> replies = replies(pool, masks, incomplete);
        List<Record> merged = merged(replies);

        Map<NodeId, ReadRepair.Repair> repairs = ReadRepair.repairs(replies, restoreQuorum);
        for (Map.Entry<NodeId, KeyRead> reply : replies.entrySet()) {
            ReadRepair.Repair repair = repairs.get(reply.getKey());
            List<Record> after = Causality.merge(reply.getValue().records(),
                    repair == null ? List.of() : repair.records());
            assertThat(after).isEqualTo(merged);
            if (reply.getValue().isComplete() && reply.getValue().records().equals(merged)) {
                assertThat(repairs).doesNotContainKey(reply.getKey());
            }
        }
    }

    /**
     * An incomplete replica is restored exactly when at least {@code restoreQuorum} replies were
     * complete, even when it lacks nothing it returned; a complete one never is.
     */
    @Property
    void onlyAQuorumOfCompleteRepliesRestoresAnIncompleteOne(@ForAll("pool") List<Record> pool, @ForAll long masks,
                                                             @ForAll @IntRange(min = 0, max = 7) int incomplete,
                                                             @ForAll @IntRange(min = 1, max = 3) int restoreQuorum) {
        Map<NodeId, KeyRead> replies = replies(pool, masks, incomplete);
        long complete = replies.values().stream().filter(KeyRead::isComplete).count();

        Map<NodeId, ReadRepair.Repair> repairs = ReadRepair.repairs(replies, restoreQuorum);
        for (Map.Entry<NodeId, KeyRead> reply : replies.entrySet()) {
            boolean restored = repairs.containsKey(reply.getKey()) && repairs.get(reply.getKey()).restores();
            assertThat(restored).as("restore of %s (%d complete replies, quorum %d)", reply.getValue(), complete,
                    restoreQuorum).isEqualTo(!reply.getValue().isComplete() && complete >= restoreQuorum);
        }
    }
}
