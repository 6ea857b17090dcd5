package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.ring.RangeMovements;
import io.kvorum.streaming.StreamProgress;
import io.kvorum.core.Key;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.experiments.sim.RingSimCluster.Member;
import io.kvorum.ring.MemberStatus;
import io.kvorum.ring.Ring;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A ring change whose stream failed resumes that stream when it runs again, rather than starting over. */
class RingChangeResumeTest {

    @Test
    void aDecommissionWhoseStreamFailedResumesItWhenRunAgain() {
        RingSimCluster c = RingSimCluster.found(7, 5, 3, 8);
        c.loop().runFor(5_000);
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            Member via = c.live().get(i % c.live().size());
            writes.add(via.coordinator().put(PutRequest.of(Key.of("k-" + i), ("v-" + i).getBytes(StandardCharsets.UTF_8),
                    null, WriteOptions.quorum().timeout(Duration.ofSeconds(1)))));
        }
        c.loop().runUntil(() -> writes.stream().allMatch(CompletableFuture::isDone), 60_000);

        Member leaver = c.live().get(0);
        // A node that gains ranges cannot reach one of their sources: its pull fails.
        Ring ring = leaver.membership().ring();
        RangeMovements.Movement movement = RangeMovements.between(ring, ring.withoutNode(leaver.id()), 3).get(0);
        Member gainer = c.member(movement.destination());
        Member source = c.member(movement.sources().stream()
                .filter(n -> !n.equals(leaver.id()) && !n.equals(gainer.id())).findFirst().orElseThrow());
        c.network().cut(gainer.id(), source.id());
        CompletableFuture<Void> first = leaver.ringChanges().decommission();
        c.loop().runUntil(first::isDone, 600_000);
        assertThat(first).isCompletedExceptionally();
        assertThat(leaver.membership().status(leaver.id())).contains(MemberStatus.LEAVING);
        List<StreamProgress> failed = gainer.streamer().sessions();
        assertThat(failed).hasSize(1).allMatch(p -> p.state() == StreamProgress.State.FAILED && p.unitsDone() > 0);
        long sessionId = failed.get(0).id();

        c.network().healAll();
        c.loop().runFor(5_000);
        CompletableFuture<Void> second = leaver.ringChanges().decommission();
        c.loop().runUntil(second::isDone, 600_000);
        assertThat(second).isCompleted().isNotCompletedExceptionally();
        List<StreamProgress> after = gainer.streamer().sessions();
        assertThat(after).as("the failed session resumed; no new one started").hasSize(1);
        assertThat(after.get(0).id()).isEqualTo(sessionId);
        assertThat(after.get(0).state()).isEqualTo(StreamProgress.State.DONE);
        assertThat(after.get(0).attempt()).isGreaterThan(1);
    }
}
