package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.experiments.sim.RingSimCluster.Member;
import io.kvorum.hints.HintStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 through the production node assembly: a replica cut off from the cluster misses writes;
 * sloppy W=ALL writes succeed through fallbacks, strict W=ALL ones fail fast; once it is back, the
 * hints alone (nothing reads, so no read repair, and there is no anti-entropy yet) bring every
 * acknowledged write into its own store, and no hint is left pending.
 */
class HintedHandoffSimulationTest {
    private static final int KEYS = 300;
    /** Simulated time the hints get to arrive once the replica is back: failure detection plus paced delivery. */
    private static final long DELIVERY_BOUND_MS = 60_000;

    @TempDir
    Path dir;
    private RingSimCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.closeHints();
        }
    }

    @Test
    void everyAcknowledgedWriteReachesTheReturningReplicaThroughHintsAlone() {
        cluster = RingSimCluster.foundWithHints(21, 5, 3, 8, dir);
        RingSimCluster c = cluster;
        c.loop().runFor(5_000);
        Member victim = c.live().get(2);
        List<Member> others = new ArrayList<>(c.live());
        others.remove(victim);
        for (Member m : others) {
            c.network().cut(victim.id(), m.id());
        }
        c.loop().runUntil(() -> others.stream().noneMatch(m -> m.membership().isUp(victim.id())), 30_000);
        assertThat(others).noneMatch(m -> m.membership().isUp(victim.id()));

        List<Key> victimKeys = new ArrayList<>();
        List<CompletableFuture<PutResponse>> writes = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            Key key = Key.of("k-" + i);
            if (others.get(0).membership().ring().preferenceList(key, 3).contains(victim.id())) {
                victimKeys.add(key);
            }
            Member via = others.get(i % others.size());
            writes.add(via.coordinator().put(PutRequest.of(key, ("v-" + i).getBytes(StandardCharsets.UTF_8), null,
                    WriteOptions.all().sloppy(true).timeout(Duration.ofMillis(500)))));
        }
        c.loop().runUntil(() -> writes.stream().allMatch(CompletableFuture::isDone), 60_000);
        assertThat(writes).as("sloppy W=ALL writes while a replica is cut off")
                .allMatch(w -> w.isDone() && !w.isCompletedExceptionally());
        assertThat(victimKeys).hasSizeGreaterThan(KEYS / 5);
        for (Key key : victimKeys) {
            assertThat(victim.store().read(key)).as("the cut-off replica has not seen %s", key).isEmpty();
        }

        // A strict W=ALL write of one of its keys fails at once, naming the shortfall.
        Member coordinator = others.stream().filter(m -> m.membership().ring().preferenceList(victimKeys.get(0), 3)
                .contains(m.id())).findFirst().orElseThrow();
        CompletableFuture<PutResponse> strict = coordinator.coordinator().put(PutRequest.of(victimKeys.get(0),
                new byte[] {1}, null, WriteOptions.all().sloppy(false).timeout(Duration.ofMillis(500))));
        c.loop().runUntil(strict::isDone, 1_000);
        assertThat(strict).isCompletedExceptionally();
        assertThat(failure(strict)).isInstanceOf(UnavailableException.class);

        c.network().healAll();
        long healedAt = c.loop().nowMillis();
        c.loop().runUntil(() -> victimKeys.stream().allMatch(k -> !victim.store().read(k).isEmpty())
                && pendingHints(c, victim.id()) == 0, DELIVERY_BOUND_MS);

        for (Key key : victimKeys) {
            assertThat(victim.store().read(key)).as("%s on the returned replica", key).isNotEmpty();
        }
        assertThat(pendingHints(c, victim.id())).as("hints still pending for the returned replica").isZero();
        System.out.printf("hinted handoff: %d keys of the cut-off replica delivered %d ms (simulated) after it"
                + " returned%n", victimKeys.size(), c.loop().nowMillis() - healedAt);
    }

    private static long pendingHints(RingSimCluster c, NodeId target) {
        long pending = 0;
        for (Member m : c.live()) {
            HintStats stats = m.assembly().hintStore().stats(target);
            pending += stats == null ? 0 : stats.hints();
        }
        return pending;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
