package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Causality;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.testing.RecordArbitraries;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ReadRepairProperties {

    @Provide
    Arbitrary<List<Record>> pool() {
        return RecordArbitraries.recordPoolOfOneKey();
    }

    /** After each replica applies its repair, every replica holds exactly the merged live records. */
    @Property
    void repairedReplicasConvergeOnTheMergedState(@ForAll("pool") List<Record> pool, @ForAll long masks) {
        Map<NodeId, List<Record>> replies = new LinkedHashMap<>();
        for (int replica = 0; replica < 3; replica++) {
            List<Record> state = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) {
                if ((masks >>> (replica * 20 + i) & 1) == 1) {
                    state.add(pool.get(i));
                }
            }
            replies.put(new NodeId(replica), Causality.resolve(state));
        }
        List<Record> all = new ArrayList<>();
        replies.values().forEach(all::addAll);
        List<Record> merged = Causality.resolve(all);

        Map<NodeId, List<Record>> repairs = ReadRepair.repairs(replies);
        for (Map.Entry<NodeId, List<Record>> reply : replies.entrySet()) {
            List<Record> after = Causality.merge(reply.getValue(), repairs.getOrDefault(reply.getKey(), List.of()));
            assertThat(after).isEqualTo(merged);
            if (reply.getValue().equals(merged)) {
                assertThat(repairs).doesNotContainKey(reply.getKey());
            }
        }
    }
}
