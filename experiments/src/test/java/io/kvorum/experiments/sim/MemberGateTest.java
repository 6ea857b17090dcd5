package io.kvorum.experiments.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaReadResult;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWriteAck;
import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import io.kvorum.experiments.sim.RingSimCluster.Member;
import io.kvorum.sim.SimBus;
import io.kvorum.streaming.StreamMessages.StreamRequest;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: internode data requests are served to live members only. A process that reaches the
 * bus but that gossip does not know, and a node that has left, may neither write a record into a
 * replica nor stream records out; members still can.
 */
class MemberGateTest {
    private static final Key KEY = Key.of("planted");

    @Test
    void aStrangerMayNeitherWriteNorStream() {
        RingSimCluster c = RingSimCluster.found(11, 3, 3, 8);
        c.loop().runFor(5_000);
        Member target = c.live().get(0);
        NodeId strangerId = NodeId.random(c.random());
        SimBus stranger = c.network().attach(strangerId, new InetSocketAddress("10.9.9.9", 7100));
        stranger.setAddress(target.id(), target.address());

        Throwable write = failure(c, stranger.request(target.id(), plantedWrite(strangerId), ReplicaWriteAck.class, 1_000));
        Throwable stream = failure(c, stranger.request(target.id(), new StreamRequest(TokenRange.full(), null, 1 << 20),
                Message.class, 1_000));

        assertThat(write).isInstanceOf(InvalidRequestException.class).hasMessageContaining("ReplicaWrite refused")
                .hasMessageContaining("not a member");
        assertThat(stream).isInstanceOf(InvalidRequestException.class).hasMessageContaining("StreamRequest refused");
        assertThat(target.store().read(KEY)).isEmpty();

        // A member's request to the same node is served.
        Member peer = c.live().get(1);
        CompletableFuture<ReplicaWriteAck> ack = peer.bus().request(target.id(), plantedWrite(peer.id()),
                ReplicaWriteAck.class, 1_000);
        c.loop().runUntil(ack::isDone, 5_000);
        assertThat(ack).isCompleted().isNotCompletedExceptionally();
        assertThat(target.store().read(KEY)).hasSize(1);
    }

    @Test
    void aNodeThatLeftMayNoLongerReadOrWrite() {
        RingSimCluster c = RingSimCluster.found(12, 4, 3, 8);
        c.loop().runFor(5_000);
        Member leaver = c.live().get(0);
        CompletableFuture<Void> left = leaver.ringChanges().decommission();
        c.loop().runUntil(left::isDone, 600_000);
        assertThat(left).isCompleted().isNotCompletedExceptionally();
        c.loop().runFor(5_000);

        Member target = c.live().get(1);
        Throwable write = failure(c, leaver.bus().request(target.id(), plantedWrite(leaver.id()), ReplicaWriteAck.class,
                1_000));
        Throwable read = failure(c, leaver.bus().request(target.id(), new ReplicaRead(KEY), ReplicaReadResult.class,
                1_000));

        assertThat(write).isInstanceOf(InvalidRequestException.class).hasMessageContaining("has left the cluster");
        assertThat(read).isInstanceOf(InvalidRequestException.class).hasMessageContaining("has left the cluster");
        assertThat(target.store().read(KEY)).isEmpty();
    }

    private static ReplicaWrite plantedWrite(NodeId writer) {
        return new ReplicaWrite(List.of(Record.value(KEY, new Dot(new Actor(writer, 0), 1), VersionVector.EMPTY, 0,
                new byte[] {42})), false);
    }

    private static Throwable failure(RingSimCluster c, CompletableFuture<?> reply) {
        c.loop().runUntil(reply::isDone, 5_000);
        assertThat(reply).isCompletedExceptionally();
        try {
            reply.join();
            throw new AssertionError("unreachable");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
