package io.kvorum.gossip;

import io.kvorum.ring.MemberStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.gossip.GossipMessages.EndpointDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The laws of the digest exchange, on {@link EndpointStates} directly. */
class EndpointStatesProperties {
    private static final long NOW = 1_000_000;

    /** One full exchange, initiator {@code a} to peer {@code b}: syn, ack, ack2; returns the deltas sent. */
    private static int exchange(EndpointStates a, EndpointStates b) {
        EndpointStates.Examined examined = b.examine(a.digests());
        a.apply(examined.deltas(), NOW);
        List<EndpointDelta> answer = a.answer(examined.requests());
        b.apply(answer, NOW);
        return examined.deltas().size() + answer.size();
    }

    private static Map<NodeId, String> view(EndpointStates s) {
        Map<NodeId, String> view = new TreeMap<>();
        for (EndpointState e : s.all()) {
            view.put(e.node(), e.generation() + "/" + e.maxVersion() + "/" + new TreeMap<>(e.entries()));
        }
        return view;
    }

    private static List<EndpointStates> nodes(RandomSource random, int count) {
        List<EndpointStates> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            EndpointStates s = new EndpointStates(NodeId.random(random), 1 + random.nextInt(5), 60_000);
            s.setLocal(AppState.ADDRESS, "10.0.0." + i + ":7100");
            s.setLocal(AppState.STATUS, MemberStatus.NORMAL.name());
            nodes.add(s);
        }
        return nodes;
    }

    @Property(tries = 200)
    void randomExchangesConvergeAndEqualViewsExchangeNothing(@ForAll long seed,
                                                            @ForAll @IntRange(min = 2, max = 8) int count,
                                                            @ForAll @IntRange(min = 0, max = 60) int steps) {
        RandomSource random = RandomSource.seeded(seed);
        List<EndpointStates> nodes = nodes(random, count);
        AppState[] keys = {AppState.LOAD, AppState.STATUS, AppState.TOKENS, AppState.STREAMING};
        for (int i = 0; i < steps; i++) {
            EndpointStates a = nodes.get(random.nextInt(count));
            switch (random.nextInt(3)) {
                case 0 -> a.setLocal(keys[random.nextInt(keys.length)], Integer.toString(random.nextInt(100)));
                case 1 -> a.beat();
                default -> exchange(a, nodes.get(random.nextInt(count)));
            }
        }
        // Anti-entropy sweep: a chain through every node, there and back, spreads everything.
        for (int i = 0; i + 1 < count; i++) {
            exchange(nodes.get(i), nodes.get(i + 1));
        }
        for (int i = count - 1; i > 0; i--) {
            exchange(nodes.get(i), nodes.get(i - 1));
        }
        Map<NodeId, String> first = view(nodes.get(0));
        assertThat(first).hasSize(count);
        for (EndpointStates s : nodes) {
            assertThat(view(s)).isEqualTo(first);
        }
        for (EndpointStates a : nodes) {
            for (EndpointStates b : nodes) {
                assertThat(exchange(a, b)).as("equal views exchange no states").isZero();
            }
        }
    }

    @Property(tries = 100)
    void aRestartedMemberReplacesItsOldRunAndAStaleRunIsIgnored(@ForAll long seed) {
        RandomSource random = RandomSource.seeded(seed);
        NodeId id = NodeId.random(random);
        EndpointStates observer = new EndpointStates(NodeId.random(random), 1, 60_000);
        EndpointStates oldRun = new EndpointStates(id, 5, 60_000);
        oldRun.setLocal(AppState.ADDRESS, "10.0.0.1:7100");
        oldRun.setLocal(AppState.STATUS, MemberStatus.NORMAL.name());
        oldRun.setLocal(AppState.LOAD, "old");
        exchange(oldRun, observer);
        EndpointStates newRun = new EndpointStates(id, 6, 60_000);
        newRun.setLocal(AppState.ADDRESS, "10.0.0.1:7100");
        newRun.setLocal(AppState.STATUS, MemberStatus.NORMAL.name());
        exchange(newRun, observer);
        assertThat(observer.get(id).generation()).isEqualTo(6);
        assertThat(observer.get(id).get(AppState.LOAD)).as("nothing of the old run survives").isNull();
        oldRun.setLocal(AppState.LOAD, "stale");
        exchange(oldRun, observer);
        assertThat(observer.get(id).generation()).isEqualTo(6);
        assertThat(observer.get(id).get(AppState.LOAD)).isNull();
    }
}
