package io.kvorum.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The laws of {@link ReadPlan}: a read asks the key's current replicas that are up, and needs R. */
class ReadPlanProperties {

    @Property(tries = 200)
    void aReadAsksTheUpReplicasOfTheCurrentRingAndNeedsR(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodes,
            @ForAll @IntRange(min = 1, max = 16) int numTokens, @ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll @IntRange(min = 1, max = 4) int r) {
        RandomSource random = RandomSource.seeded(seed);
        Ring ring = Ring.empty();
        for (int i = 0; i < nodes; i++) {
            ring = ring.withNode(NodeId.random(random), TokenAllocator.allocate(ring, numTokens, n, random),
                    Ring.NO_RACK);
        }
        List<NodeId> members = new ArrayList<>(ring.nodes());
        NodeId self = members.get(random.nextInt(members.size()));
        Set<NodeId> up = new HashSet<>();
        for (NodeId node : members) {
            if (random.nextInt(3) != 0) {
                up.add(node);
            }
        }
        Consistency consistency = Consistency.of(Math.min(r, n));
        for (int i = 0; i < 20; i++) {
            Key key = Key.of("key-" + random.nextLong());
            ReadPlan plan = ReadPlan.of(ring, key, n, consistency, self, up::contains);
            assertThat(plan.replicas()).isEqualTo(ring.preferenceList(key, n));
            List<NodeId> expectedUp = new ArrayList<>(plan.replicas());
            expectedUp.removeIf(node -> !node.equals(self) && !up.contains(node));
            assertThat(plan.upReplicas()).isEqualTo(expectedUp);
            assertThat(plan.required()).isEqualTo(consistency.required(n));
            assertThat(plan.isSatisfiable()).isEqualTo(expectedUp.size() >= plan.required());
            assertThat(plan.isReplica(self)).isEqualTo(plan.replicas().contains(self));
            assertThat(plan.unavailable().getMessage()).isEqualTo("read at R=" + consistency + " (n=" + n
                    + ") needs " + plan.required() + " replicas up but only " + expectedUp.size()
                    + " are; nothing was sent");
        }
    }
}
