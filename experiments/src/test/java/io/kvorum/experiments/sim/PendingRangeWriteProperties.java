package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.experiments.sim.SimCluster.Outcome;
import io.kvorum.ring.Ring;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Writes while a node joins: the cluster's ring lacks one node that the pending ring has. A key
 * that node will own is written to its current replicas and to it, and W + 1 acks are needed, so
 * that every acknowledged write has W copies among the key's final replicas.
 */
class PendingRangeWriteProperties {
    private static final int NODES = 5;
    private static final int RF = 3;
    private static final long TIMEOUT_MS = 500;
    private static final long LIMIT_MS = 10_000;

    private record Joining(SimCluster cluster, NodeId joiner, Ring ring, Ring pending) {
    }

    private static Joining joining(long seed, int joinerIndex) {
        SimCluster c = SimCluster.start(seed, NODES, RF, 16);
        c.network().latency(100, 3_000);
        Ring full = c.membership().ring();
        NodeId joiner = c.nodes().get(joinerIndex).id();
        Ring without = full.withoutNode(joiner);
        c.membership().setRing(without);
        c.membership().setPendingRing(full);
        return new Joining(c, joiner, without, full);
    }

    /** A key the joiner will replicate, and which it does not yet. */
    private static String keyGainedBy(Joining j, Random pick) {
        for (int i = 0; i < 10_000; i++) {
            String key = "key-" + pick.nextInt(1_000_000);
            if (j.pending().preferenceList(Key.of(key), RF).contains(j.joiner())) {
                return key;
            }
        }
        throw new IllegalStateException("no key moves to the joiner");
    }

    private static PutRequest put(String key, int w) {
        return PutRequest.of(Key.of(key), "v".getBytes(StandardCharsets.UTF_8), null,
                WriteOptions.w(w).n(RF).timeout(Duration.ofMillis(TIMEOUT_MS)));
    }

    private static long finalHolders(Joining j, String key) {
        return j.pending().preferenceList(Key.of(key), RF).stream()
                .filter(id -> !j.cluster().node(id).store().read(Key.of(key)).isEmpty()).count();
    }

    @Property(tries = 80)
    void anAcknowledgedWriteHasWCopiesOnTheKeysFinalReplicas(@ForAll long seed,
                                                            @ForAll @IntRange(min = 1, max = RF) int w,
                                                            @ForAll @IntRange(min = 0, max = NODES - 1) int joinerIndex) {
        Joining j = joining(seed, joinerIndex);
        Random pick = new Random(seed);
        String key = keyGainedBy(j, pick);
        List<NodeId> current = j.ring().preferenceList(Key.of(key), RF);
        SimNode via = j.cluster().node(current.get(pick.nextInt(RF)));

        Outcome<PutResponse> written = j.cluster().await(via.coordinator().put(put(key, w)), LIMIT_MS);
        assertThat(written.ok()).as("seed %d: %s", seed, written.error()).isTrue();
        assertThat(finalHolders(j, key)).as("seed %d: copies among the final replicas when acknowledged", seed)
                .isGreaterThanOrEqualTo(w);
        j.cluster().loop().runFor(TIMEOUT_MS * 4);
        assertThat(j.cluster().node(j.joiner()).store().read(Key.of(key))).as("seed %d: the joiner got it", seed)
                .isNotEmpty();
    }

    @Property(tries = 80)
    void theJoinerCountsTowardsAvailability(@ForAll long seed, @ForAll @IntRange(min = 1, max = RF) int w,
                                            @ForAll @IntRange(min = 0, max = NODES - 1) int joinerIndex,
                                            @ForAll boolean aCurrentReplicaIsDownToo) {
        Joining j = joining(seed, joinerIndex);
        Random pick = new Random(seed);
        String key = keyGainedBy(j, pick);
        List<NodeId> current = new ArrayList<>(j.ring().preferenceList(Key.of(key), RF));
        SimNode via = j.cluster().node(current.get(0));
        j.cluster().network().kill(j.joiner());
        j.cluster().membership().setUp(j.joiner(), false);
        int up = RF;
        if (aCurrentReplicaIsDownToo) {
            NodeId down = current.get(1);
            j.cluster().network().kill(down);
            j.cluster().membership().setUp(down, false);
            up--;
        }
        Assume.that(w >= 1);
        Outcome<PutResponse> written = j.cluster().await(via.coordinator().put(put(key, w)), LIMIT_MS);
        if (up >= w + 1) {
            assertThat(written.ok()).as("seed %d: %d up of W+1=%d: %s", seed, up, w + 1, written.error()).isTrue();
        } else {
            assertThat(written.error()).as("seed %d", seed).isInstanceOf(UnavailableException.class)
                    .hasMessageContaining("ring change");
        }
    }
}
