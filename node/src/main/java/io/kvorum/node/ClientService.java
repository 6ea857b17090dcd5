package io.kvorum.node;

import io.kvorum.coordinator.Coordinator;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Message;
import io.kvorum.core.NodeId;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.RingRequest;
import io.kvorum.core.protocol.RingResponse;
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
 * the members and their tokens for token-aware clients. Until static membership knows every member
 * the ring is partial, and requests are refused rather than placed on the wrong replicas.
 */
final class ClientService implements WireServer.RequestHandler {
    private final Coordinator coordinator;
    private final StaticMembership membership;
    private final int clientPort;

    ClientService(Coordinator coordinator, StaticMembership membership, int clientPort) {
        this.coordinator = coordinator;
        this.membership = membership;
        this.clientPort = clientPort;
    }

    @Override
    public CompletionStage<? extends Message> onRequest(WireServer.ClientInfo client, Message request) {
        if (request instanceof RingRequest) {
            return CompletableFuture.completedFuture(ring());
        }
        if (!membership.isComplete()) {
            return CompletableFuture.failedFuture(UnavailableException.of("this node is still identifying cluster members "
                    + membership.unknownMembers() + ", so its ring is incomplete;", 1, 0));
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
            InetSocketAddress address = membership.address(node).orElse(null);
            if (address != null) {
                members.add(new RingResponse.Member(node.value(), address.getHostString(), clientPort,
                        ring.tokensOf(node), ring.rackOf(node), membership.isUp(node)));
            }
        }
        return new RingResponse(coordinator.replicationFactor(), members);
    }

    Membership membership() {
        return membership;
    }
}
