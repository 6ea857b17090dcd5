package io.kvorum.node;

import io.kvorum.coordinator.Coordinator;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Message;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.Key;
import io.kvorum.core.protocol.AdminMessages.ReplicaReadRequest;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.RingRequest;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.gossip.GossipMembership;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import io.kvorum.transport.WireServer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the node's client port answers: reads and writes go to the coordinator, ring requests get
 * the members, their client addresses and tokens for token-aware clients. Until the node knows a
 * ring (from its saved copy or from gossip) requests are refused rather than placed nowhere.
 */
final class ClientService implements WireServer.RequestHandler {
    private final Coordinator coordinator;
    private final GossipMembership membership;
    private final AdminService admin;

    ClientService(Coordinator coordinator, GossipMembership membership, AdminService admin) {
        this.coordinator = coordinator;
        this.membership = membership;
        this.admin = admin;
    }

    @Override
    public CompletionStage<? extends Message> onRequest(WireServer.ClientInfo client, Message request) {
        if (request instanceof RingRequest) {
            return CompletableFuture.completedFuture(ring());
        }
        CompletionStage<? extends Message> adminAnswer = admin.handle(request);
        if (adminAnswer != null) {
            return adminAnswer;
        }
        if (membership.ring().isEmpty()) {
            return CompletableFuture.failedFuture(UnavailableException.of("this node has not learned the ring yet"
                    + " (it is still finding the cluster through its seeds);", 1, 0));
        }
        if (request instanceof ReplicaReadRequest read) {
            return coordinator.readReplica(new NodeId(read.nodeId()), Key.of(read.key()), read.timeoutMs());
        }
        if (request instanceof GetRequest get) {
            return coordinator.get(get);
        }
        if (request instanceof PutRequest put) {
            return coordinator.put(put);
        }
        return CompletableFuture.failedFuture(new InvalidRequestException("not a client request: "
                + request.getClass().getSimpleName()));
    }

    private RingResponse ring() {
        Ring ring = membership.ring();
        List<RingResponse.Member> members = new ArrayList<>();
        for (NodeId node : ring.nodes()) {
            InetSocketAddress address = membership.clientAddress(node).orElse(null);
            if (address != null) {
                members.add(new RingResponse.Member(node.value(), address.getHostString(), address.getPort(),
                        ring.tokensOf(node), ring.rackOf(node), membership.isUp(node)));
            }
        }
        return new RingResponse(coordinator.replicationFactor(), members);
    }

    Membership membership() {
        return membership;
    }
}
