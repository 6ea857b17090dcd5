package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.Scheduler;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.experiments.sim.RingSimCluster.Member;
import io.kvorum.ring.MemberStatus;
import io.kvorum.ring.Ring;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random sequences of joins, decommissions and removals of killed nodes, under a QUORUM write
 * workload, in the seeded simulation with real gossip, coordinators, streaming and ring changes.
 * After the cluster settles (and each node has dropped the ranges it no longer replicates), every
 * acknowledged write reads back at QUORUM, and every key's records are on exactly its N replicas.
 * A failure names its seed; {@code RingSimCluster.found(seed, ...)} replays it.
 */
class RingChangeSimulationProperties {
    private static final int RF = 3;
    private static final long OP_LIMIT_MS = 180_000;

    private enum Op { JOIN, DECOMMISSION, REMOVE }

    /** QUORUM writes of fresh keys from random live nodes, every few milliseconds of simulated time. */
    private static final class Workload {
        final Map<String, String> acked = new LinkedHashMap<>();
        long attempted;
        final Scheduler.Cancellable task;

        Workload(RingSimCluster c) {
            task = c.loop().scheduleWithFixedDelay(() -> {
                List<Member> live = c.live();
                Member via = live.get(c.random().nextInt(live.size()));
                String key = "k-" + attempted;
                String value = "v-" + attempted++;
                via.coordinator().put(PutRequest.of(Key.of(key), value.getBytes(StandardCharsets.UTF_8), null,
                        WriteOptions.quorum().timeout(Duration.ofMillis(RingSimCluster.REQUEST_TIMEOUT_MS))))
                        .whenComplete((r, e) -> {
                            if (e == null) {
                                acked.put(key, value);
                            }
                        });
            }, 0, 20, TimeUnit.MILLISECONDS);
        }
    }

    private static void await(RingSimCluster c, CompletableFuture<?> f, String what) {
        c.loop().runUntil(f::isDone, OP_LIMIT_MS);
        assertThat(f).as("%s: %s", c, what).isCompleted().isNotCompletedExceptionally();
    }

    /** As an operator checks status before the next change: every live node has the same ring, nothing pending. */
    private static void awaitSettled(RingSimCluster c) {
        c.loop().runUntil(() -> {
            Ring first = c.live().get(0).membership().ring();
            return c.live().stream().allMatch(m -> m.membership().ring().equals(first)
                    && m.membership().pendingRing() == m.membership().ring()
                    && c.live().stream().allMatch(o -> m.membership().isUp(o.id())));
        }, 30_000);
    }

    private static List<Member> normalMembers(RingSimCluster c) {
        List<Member> normal = new ArrayList<>();
        for (Member m : c.live()) {
            if (m.membership().status(m.id()).orElse(null) == MemberStatus.NORMAL) {
                normal.add(m);
            }
        }
        return normal;
    }

    @Property(tries = 12)
    void afterRandomRingChangesUnderWritesEveryAcknowledgedWriteIsOnExactlyItsReplicas(
            @ForAll long seed, @ForAll @IntRange(min = 4, max = 5) int founders,
            @ForAll @IntRange(min = 2, max = 4) int changes) {
        RingSimCluster c = RingSimCluster.found(seed, founders, RF, 8);
        c.loop().runFor(5_000);
        Workload workload = new Workload(c);
        c.loop().runFor(2_000);
        List<String> done = new ArrayList<>();
        for (int i = 0; i < changes; i++) {
            awaitSettled(c);
            List<Member> normal = normalMembers(c);
            Op op = Op.values()[c.random().nextInt(Op.values().length)];
            if (op != Op.JOIN && normal.size() - 1 < RF) {
                op = Op.JOIN;
            }
            switch (op) {
                case JOIN -> {
                    Member joiner = c.startJoiner();
                    await(c, joiner.ringChanges().join(List.of()), "join of " + joiner.id());
                }
                case DECOMMISSION -> {
                    Member leaver = normal.get(c.random().nextInt(normal.size()));
                    await(c, leaver.ringChanges().decommission(), "decommission of " + leaver.id());
                    c.stopRetired(leaver.id());
                }
                case REMOVE -> {
                    Member victim = normal.get(c.random().nextInt(normal.size()));
                    c.kill(victim.id());
                    c.loop().runUntil(() -> c.live().stream().noneMatch(m -> m.membership().isUp(victim.id())),
                            10_000);
                    List<Member> live = c.live();
                    Member remover = live.get(c.random().nextInt(live.size()));
                    await(c, remover.ringChanges().removeNode(victim.id()), "removal of " + victim.id());
                }
            }
            done.add(op.name());
            c.loop().runFor(1_000);
        }
        workload.task.cancel();
        awaitSettled(c);
        c.loop().runFor(5_000);
        String history = c + " after " + done + ", " + workload.acked.size() + " of " + workload.attempted
                + " writes acknowledged";

        Ring ring = c.live().get(0).membership().ring();
        for (Member m : c.live()) {
            assertThat(m.membership().ring()).as("%s: %s agrees on the ring", history, m.id()).isEqualTo(ring);
            assertThat(m.membership().pendingRing()).as("%s: nothing pending", history).isSameAs(m.membership().ring());
        }
        c.cleanupAll();
        for (Map.Entry<String, String> e : workload.acked.entrySet()) {
            Key key = Key.of(e.getKey());
            Set<NodeId> holders = new HashSet<>();
            for (Member m : c.live()) {
                if (!m.store().read(key).isEmpty()) {
                    holders.add(m.id());
                }
            }
            assertThat(holders).as("%s: holders of %s", history, e.getKey())
                    .isEqualTo(new HashSet<>(ring.preferenceList(key, RF)));
        }
        for (Map.Entry<String, String> e : workload.acked.entrySet()) {
            List<Member> live = c.live();
            Member via = live.get(c.random().nextInt(live.size()));
            CompletableFuture<GetResponse> read = via.coordinator().get(GetRequest.of(Key.of(e.getKey()),
                    ReadOptions.quorum().timeout(Duration.ofMillis(RingSimCluster.REQUEST_TIMEOUT_MS))));
            await(c, read, "read of " + e.getKey());
            assertThat(read.join().records()).as("%s: %s", history, e.getKey())
                    .extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly(e.getValue());
        }
        assertThat(workload.acked.size()).as("%s: the workload ran", history).isGreaterThan(100);
    }
}
