package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Causality;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.Record;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.experiments.sim.SimCluster.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Quorum outcomes of real coordinators in a simulated five-node cluster (replication factor 3), for
 * every combination of n, r and w, under seeded latency, a dead replica, and message loss. Every
 * assertion names the seed; {@code SimCluster.start(seed, 5, 3, 16)} rebuilds the run.
 */
class QuorumSimulationProperties {
    private static final int NODES = 5;
    private static final int RF = 3;
    private static final long TIMEOUT_MS = 500;
    private static final long LIMIT_MS = 10_000;

    private static SimCluster cluster(long seed) {
        SimCluster c = SimCluster.start(seed, NODES, RF, 16);
        c.network().latency(100, 3_000);
        return c;
    }

    private static PutRequest put(String key, String value, byte[] context, int n, int w) {
        return PutRequest.of(Key.of(key), value == null ? null : value.getBytes(StandardCharsets.UTF_8), context,
                WriteOptions.w(w).n(n).timeout(java.time.Duration.ofMillis(TIMEOUT_MS)));
    }

    private static GetRequest get(String key, int n, int r) {
        return GetRequest.of(Key.of(key), ReadOptions.r(r).n(n).timeout(java.time.Duration.ofMillis(TIMEOUT_MS)));
    }

    private static List<String> values(GetResponse response) {
        return response.records().stream().filter(rec -> !rec.isTombstone())
                .map(rec -> new String(rec.value(), StandardCharsets.UTF_8)).sorted().toList();
    }

    /** How many of the key's replicas hold a live record with this value. */
    private static long holders(SimCluster c, String key, int n, String value) {
        return c.replicas(Key.of(key), n).stream()
                .filter(id -> c.node(id).store().read(Key.of(key)).stream()
                        .anyMatch(r -> !r.isTombstone() && new String(r.value(), StandardCharsets.UTF_8).equals(value)))
                .count();
    }

    @Property(tries = 120)
    void withAllReplicasUpWritesSucceedAndReadsSeeThemWhenRPlusWExceedsN(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = RF) int n, @ForAll @IntRange(min = 1, max = RF) int r,
            @ForAll @IntRange(min = 1, max = RF) int w) {
        Assume.that(r <= n && w <= n);
        SimCluster c = cluster(seed);
        Random pick = new Random(seed);
        String key = "key-" + pick.nextInt(1000);
        SimNode writer = c.nodes().get(pick.nextInt(NODES));
        SimNode reader = c.nodes().get(pick.nextInt(NODES));

        Outcome<PutResponse> written = c.await(writer.coordinator().put(put(key, "v1", null, n, w)), LIMIT_MS);
        assertThat(written.ok()).as("seed %d: write n=%d w=%d failed: %s", seed, n, w, written.error()).isTrue();
        assertThat(holders(c, key, n, "v1")).as("seed %d: replicas holding an acknowledged W=%d write", seed, w)
                .isGreaterThanOrEqualTo(w);

        Outcome<GetResponse> read = c.await(reader.coordinator().get(get(key, n, r)), LIMIT_MS);
        assertThat(read.ok()).as("seed %d: read failed: %s", seed, read.error()).isTrue();
        if (r + w > n) {
            assertThat(values(read.value())).as("seed %d: r=%d + w=%d > n=%d must see the write", seed, r, w, n)
                    .containsExactly("v1");
        } else {
            assertThat(values(read.value())).as("seed %d", seed).isSubsetOf("v1");
        }
        c.loop().runFor(TIMEOUT_MS * 4);
        assertThat(holders(c, key, n, "v1")).as("seed %d: every replica has the write once messages settle", seed)
                .isEqualTo(n);
    }

    @Property(tries = 120)
    void aDeadReplicaThoughtUpFailsRequestsNeedingItAndNothingElse(
            @ForAll long seed, @ForAll @IntRange(min = 2, max = RF) int n, @ForAll @IntRange(min = 1, max = RF) int r,
            @ForAll @IntRange(min = 1, max = RF) int w) {
        Assume.that(r <= n && w <= n);
        SimCluster c = cluster(seed);
        Random pick = new Random(seed);
        String key = "key-" + pick.nextInt(1000);
        List<NodeId> replicas = c.replicas(Key.of(key), n);
        NodeId dead = replicas.get(pick.nextInt(n));
        NodeId coordinator = replicas.stream().filter(id -> !id.equals(dead)).findFirst().orElseThrow();
        c.network().kill(dead);

        Outcome<PutResponse> written = c.await(c.node(coordinator).coordinator().put(put(key, "v1", null, n, w)), LIMIT_MS);
        if (w <= n - 1) {
            assertThat(written.ok()).as("seed %d: W=%d of n=%d with one dead: %s", seed, w, n, written.error()).isTrue();
        } else {
            assertThat(written.error()).as("seed %d", seed).isInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining("may still have been applied");
            // It fails as soon as the dead replica's refusal makes W unreachable, counting the acks so far.
            assertThat(((RequestTimeoutException) written.error()).acknowledged()).isBetween(1, n - 1);
            c.loop().runFor(TIMEOUT_MS * 4);
            assertThat(holders(c, key, n, "v1")).as("seed %d: the live replicas still applied it", seed)
                    .isEqualTo(n - 1);
        }
        Outcome<GetResponse> read = c.await(c.node(coordinator).coordinator().get(get(key, n, r)), LIMIT_MS);
        assertThat(read.ok()).as("seed %d: R=%d of n=%d with one dead: %s", seed, r, n, read.error())
                .isEqualTo(r <= n - 1);
    }

    @Property(tries = 120)
    void aReplicaKnownDownMakesRequestsNeedingItUnavailableBeforeAnythingIsSent(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = RF) int n, @ForAll @IntRange(min = 1, max = RF) int w) {
        Assume.that(w <= n);
        SimCluster c = cluster(seed);
        Random pick = new Random(seed);
        String key = "key-" + pick.nextInt(1000);
        List<NodeId> replicas = c.replicas(Key.of(key), n);
        NodeId down = replicas.get(pick.nextInt(n));
        c.network().kill(down);
        c.membership().setUp(down, false);
        SimNode via = c.nodes().get(pick.nextInt(NODES));
        Assume.that(!via.id().equals(down));

        long before = c.network().delivered();
        Outcome<PutResponse> written = c.await(via.coordinator().put(put(key, "v1", null, n, w)), LIMIT_MS);
        if (w <= n - 1) {
            assertThat(written.ok()).as("seed %d: %s", seed, written.error()).isTrue();
        } else {
            assertThat(written.error()).as("seed %d", seed).isInstanceOf(UnavailableException.class);
            assertThat(((UnavailableException) written.error()).alive()).isEqualTo(n - 1);
            c.loop().runFor(TIMEOUT_MS * 4);
            assertThat(holders(c, key, n, "v1")).as("seed %d: an unavailable write reaches no replica", seed).isZero();
            if (replicas.contains(via.id())) {
                assertThat(c.network().delivered()).as("seed %d: nothing was sent", seed).isEqualTo(before);
            }
        }
    }

    @Property(tries = 80)
    void overALossyNetworkAcknowledgedWritesAreOnAtLeastWReplicasAndReadableAtAll(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = RF) int w,
            @ForAll @IntRange(min = 5, max = 40) int lossPercent) {
        SimCluster c = cluster(seed);
        c.network().loss(lossPercent / 100.0);
        Random pick = new Random(seed);
        for (int i = 0; i < 10; i++) {
            String key = "key-" + i;
            SimNode via = c.nodes().get(pick.nextInt(NODES));
            Outcome<PutResponse> written = c.await(via.coordinator().put(put(key, "v" + i, null, RF, w)), LIMIT_MS);
            assertThat(written.ok() || written.error() instanceof RequestTimeoutException)
                    .as("seed %d: a lossy network only makes writes time out, not %s", seed, written.error()).isTrue();
            if (written.ok()) {
                assertThat(holders(c, key, RF, "v" + i)).as("seed %d key %s", seed, key).isGreaterThanOrEqualTo(w);
            }
        }
        c.network().loss(0);
        c.loop().runFor(TIMEOUT_MS * 4);
        for (int i = 0; i < 10; i++) {
            String key = "key-" + i;
            if (holders(c, key, RF, "v" + i) >= w && holders(c, key, RF, "v" + i) > 0) {
                Outcome<GetResponse> read = c.await(c.nodes().get(0).coordinator().get(get(key, RF, RF)), LIMIT_MS);
                assertThat(read.ok()).as("seed %d", seed).isTrue();
                assertThat(values(read.value())).as("seed %d key %s", seed, key).containsExactly("v" + i);
            }
        }
    }

    @Property(tries = 60)
    void concurrentBlindWritesBecomeSiblingsAndAWriteWithTheirContextReplacesThem(@ForAll long seed) {
        SimCluster c = cluster(seed);
        Random pick = new Random(seed);
        SimNode a = c.nodes().get(pick.nextInt(NODES));
        SimNode b = c.nodes().get(pick.nextInt(NODES));
        var first = a.coordinator().put(put("k", "from-a", null, RF, 2));
        var second = b.coordinator().put(put("k", "from-b", null, RF, 2));
        assertThat(c.await(first, LIMIT_MS).ok()).as("seed %d", seed).isTrue();
        assertThat(c.await(second, LIMIT_MS).ok()).as("seed %d", seed).isTrue();

        GetResponse siblings = c.await(a.coordinator().get(get("k", RF, 2)), LIMIT_MS).value();
        assertThat(values(siblings)).as("seed %d", seed).containsExactly("from-a", "from-b");

        byte[] context = ContextCodec.encode(Causality.join(siblings.records()));
        assertThat(c.await(b.coordinator().put(put("k", "merged", context, RF, 2)), LIMIT_MS).ok()).isTrue();
        assertThat(values(c.await(a.coordinator().get(get("k", RF, 2)), LIMIT_MS).value()))
                .as("seed %d", seed).containsExactly("merged");

        GetResponse merged = c.await(a.coordinator().get(get("k", RF, 2)), LIMIT_MS).value();
        byte[] deleteContext = ContextCodec.encode(Causality.join(merged.records()));
        assertThat(c.await(a.coordinator().put(put("k", null, deleteContext, RF, 2)), LIMIT_MS).ok()).isTrue();
        List<Record> afterDelete = c.await(b.coordinator().get(get("k", RF, 2)), LIMIT_MS).value().records();
        assertThat(afterDelete).as("seed %d: a delete leaves a lone tombstone", seed).hasSize(1);
        assertThat(afterDelete.get(0).isTombstone()).isTrue();
    }

    @Property(tries = 60)
    void readRepairBringsAStaleReplicaUpToDate(@ForAll long seed) {
        SimCluster c = cluster(seed);
        List<NodeId> replicas = c.replicas(Key.of("k"), RF);
        NodeId stale = replicas.get(2);
        c.network().kill(stale);
        SimNode coordinator = c.node(replicas.get(0));
        assertThat(c.await(coordinator.coordinator().put(put("k", "v", null, RF, 2)), LIMIT_MS).ok()).isTrue();
        assertThat(c.node(stale).store().read(Key.of("k"))).isEmpty();

        c.network().revive(stale);
        assertThat(c.await(coordinator.coordinator().get(get("k", RF, 2)), LIMIT_MS).ok()).isTrue();
        c.loop().runFor(TIMEOUT_MS * 4);
        assertThat(c.node(stale).store().read(Key.of("k"))).as("seed %d: read repair reached the stale replica", seed)
                .hasSize(1);
        assertThat(coordinator.coordinator().stats().readRepairs.sum()).isPositive();
    }

    @Property(tries = 10)
    void aTimeoutLongerThanTheNodesMaximumIsRefusedBeforeAnythingIsSent(@ForAll long seed) {
        SimCluster c = cluster(seed);
        SimNode via = c.nodes().get(0);
        long before = c.network().delivered();
        PutRequest tooLong = PutRequest.of(Key.of("k"), "v".getBytes(StandardCharsets.UTF_8), null,
                WriteOptions.quorum().timeout(java.time.Duration.ofMinutes(5)));
        Outcome<PutResponse> written = c.await(via.coordinator().put(tooLong), LIMIT_MS);
        assertThat(written.error()).as("seed %d", seed).isInstanceOf(io.kvorum.core.InvalidRequestException.class)
                .hasMessageContaining("request.max_timeout_ms");
        Outcome<GetResponse> read = c.await(via.coordinator().get(GetRequest.of(Key.of("k"),
                ReadOptions.quorum().timeout(java.time.Duration.ofMinutes(5)))), LIMIT_MS);
        assertThat(read.error()).isInstanceOf(io.kvorum.core.InvalidRequestException.class);
        assertThat(c.network().delivered()).as("nothing was sent").isEqualTo(before);
    }
}
