package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.experiments.sim.RingSimCluster.Member;
import io.kvorum.core.Settings;
import io.kvorum.hints.DropReason;
import io.kvorum.hints.HintDelivery;
import io.kvorum.hints.HintOptions;
import io.kvorum.hints.HintSettings;
import io.kvorum.hints.HintStats;
import io.kvorum.storage.lsm.LsmSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 * acknowledged write into its own store, and no hint is left pending: also when the node holding
 * most of them crashed and restarted meanwhile. Hints older than the tombstone grace are dropped.
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
        List<Member> others = isolate(c, victim);
        List<Key> victimKeys = writeSloppyAll(c, others, victim, "k-");

        // A strict W=ALL write of one of its keys fails at once, naming the shortfall.
        Member coordinator = others.stream().filter(m -> m.membership().ring().preferenceList(victimKeys.get(0), 3)
                .contains(m.id())).findFirst().orElseThrow();
        CompletableFuture<PutResponse> strict = coordinator.coordinator().put(PutRequest.of(victimKeys.get(0),
                new byte[] {1}, null, WriteOptions.all().sloppy(false).timeout(Duration.ofMillis(500))));
        c.loop().runUntil(strict::isDone, 1_000);
        assertThat(strict).isCompletedExceptionally();
        assertThat(failure(strict)).isInstanceOf(UnavailableException.class);

        long healedAt = healAndAwaitDelivery(c, victim, victimKeys);
        System.out.printf("hinted handoff: %d keys of the cut-off replica delivered %d ms (simulated) after it"
                + " returned%n", victimKeys.size(), c.loop().nowMillis() - healedAt);
    }

    @Test
    void hintsSurviveACrashAndRestartOfTheNodeHoldingThem() {
        cluster = RingSimCluster.foundWithHints(22, 5, 3, 8, dir);
        RingSimCluster c = cluster;
        c.loop().runFor(5_000);
        Member victim = c.live().get(1);
        List<Member> others = isolate(c, victim);
        List<Key> victimKeys = writeSloppyAll(c, others, victim, "crash-");

        Member holder = others.stream().max(Comparator.comparingLong(m -> pendingOn(m, victim.id()))).orElseThrow();
        long held = pendingOn(holder, victim.id());
        assertThat(held).as("hints the busiest holder keeps for the cut-off replica").isPositive();
        c.kill(holder.id());
        c.loop().runFor(2_000);
        Member restarted = c.restart(holder.id());
        c.loop().runUntil(() -> c.live().stream().filter(m -> m != victim)
                .allMatch(m -> m.membership().isUp(restarted.id())), 30_000);
        assertThat(pendingOn(restarted, victim.id())).as("hints kept through the holder's crash").isEqualTo(held);

        long healedAt = healAndAwaitDelivery(c, victim, victimKeys);
        System.out.printf("hinted handoff through a holder's crash: %d hints kept by the crashed holder, %d keys"
                + " delivered %d ms (simulated) after the replica returned%n", held, victimKeys.size(),
                c.loop().nowMillis() - healedAt);
    }

    @Test
    void hintsOlderThanTheTombstoneGraceAreDroppedNotDelivered() {
        // A replica away longer than the grace may have purged a tombstone that a hint's value lost to;
        // delivering the hint would resurrect it there.
        Settings settings = Settings.empty().with(HintSettings.WINDOW_MS, 10_000L)
                .with(LsmSettings.TOMBSTONE_GC_GRACE_MS, 30_000L);
        cluster = RingSimCluster.foundWithHints(23, 5, 3, 8, dir, HintOptions.from(settings),
                HintDelivery.Options.fromSettings(settings));
        RingSimCluster c = cluster;
        c.loop().runFor(5_000);
        Member victim = c.live().get(3);
        List<Member> others = isolate(c, victim);
        List<Key> victimKeys = writeSloppyAll(c, others, victim, "old-");
        long kept = others.stream().mapToLong(m -> pendingOn(m, victim.id())).sum();
        assertThat(kept).isGreaterThanOrEqualTo(victimKeys.size());

        c.loop().runFor(31_000);
        c.network().healAll();
        c.loop().runUntil(() -> pendingHints(c, victim.id()) == 0, DELIVERY_BOUND_MS);

        assertThat(pendingHints(c, victim.id())).as("hints still pending for the returned replica").isZero();
        long expired = 0;
        long delivered = 0;
        for (Member m : others) {
            HintStats stats = m.assembly().hintStore().stats(victim.id());
            expired += stats.dropped(DropReason.EXPIRED);
            delivered += stats.delivered();
        }
        assertThat(expired).as("hints dropped as expired").isEqualTo(kept);
        assertThat(delivered).as("hints delivered").isZero();
        for (Key key : victimKeys) {
            assertThat(victim.store().read(key)).as("%s, carried only by expired hints", key).isEmpty();
        }
    }

    /** Cuts {@code victim} off from every other member and waits until they all see it down; returns them. */
    private static List<Member> isolate(RingSimCluster c, Member victim) {
        List<Member> others = new ArrayList<>(c.live());
        others.remove(victim);
        for (Member m : others) {
            c.network().cut(victim.id(), m.id());
        }
        c.loop().runUntil(() -> others.stream().noneMatch(m -> m.membership().isUp(victim.id())), 30_000);
        assertThat(others).noneMatch(m -> m.membership().isUp(victim.id()));
        return others;
    }

    /**
     * Writes {@link #KEYS} keys sloppy at W=ALL through the {@code others}, checks that every write was
     * acknowledged and that the cut-off {@code victim} has none of its keys; returns its keys.
     */
    private static List<Key> writeSloppyAll(RingSimCluster c, List<Member> others, Member victim, String prefix) {
        List<Key> victimKeys = new ArrayList<>();
        List<CompletableFuture<PutResponse>> writes = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            Key key = Key.of(prefix + i);
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
        return victimKeys;
    }

    /**
     * Heals the network and waits, at most {@link #DELIVERY_BOUND_MS}, until every one of
     * {@code victimKeys} is in the victim's own store and no hint for it is pending; returns when it healed.
     */
    private static long healAndAwaitDelivery(RingSimCluster c, Member victim, List<Key> victimKeys) {
        c.network().healAll();
        long healedAt = c.loop().nowMillis();
        c.loop().runUntil(() -> victimKeys.stream().allMatch(k -> !victim.store().read(k).isEmpty())
                && pendingHints(c, victim.id()) == 0, DELIVERY_BOUND_MS);
        for (Key key : victimKeys) {
            assertThat(victim.store().read(key)).as("%s on the returned replica", key).isNotEmpty();
        }
        assertThat(pendingHints(c, victim.id())).as("hints still pending for the returned replica").isZero();
        return healedAt;
    }

    private static long pendingOn(Member m, NodeId target) {
        HintStats stats = m.assembly().hintStore().stats(target);
        return stats.hints();
    }

    private static long pendingHints(RingSimCluster c, NodeId target) {
        long pending = 0;
        for (Member m : c.live()) {
            pending += pendingOn(m, target);
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
