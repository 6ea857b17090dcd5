package io.kvorum.node;

import io.kvorum.core.Clock;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Message;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.RateLimitedLog;
import io.kvorum.ring.ClusterMembership;
import io.kvorum.ring.MemberStatus;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's bus as its data parts see it (coordinator, stream source, ring changes): a request
 * from a node that gossip does not know as a live member, one never heard of or one that left or
 * was removed, is refused before its handler runs.
 *
 * <p>Why, when the bus already authenticates: the shared secret proves a peer belongs to the
 * cluster's operators, not that it is a member now. A decommissioned or removed node keeps the
 * secret, and a process started with a copied configuration has it too; neither may write records
 * into a replica or stream every record out. Gossip itself passes ungated (it is how a new node
 * becomes known), and so does everything a node sends.
 */
final class MemberGate implements MessageBus {
    private static final Logger log = LoggerFactory.getLogger(MemberGate.class);

    private final MessageBus bus;
    private final ClusterMembership membership;
    private final RateLimitedLog refusals;

    MemberGate(MessageBus bus, ClusterMembership membership, Clock clock) {
        this.bus = bus;
        this.membership = membership;
        this.refusals = RateLimitedLog.standard(log, clock);
    }

    @Override
    public NodeId self() {
        return bus.self();
    }

    @Override
    public InetSocketAddress localAddress() {
        return bus.localAddress();
    }

    @Override
    public CompletableFuture<NodeId> identify(InetSocketAddress address, long timeoutMs) {
        return bus.identify(address, timeoutMs);
    }

    @Override
    public void setAddress(NodeId node, InetSocketAddress address) {
        bus.setAddress(node, address);
    }

    @Override
    public void send(NodeId to, Message message) {
        bus.send(to, message);
    }

    @Override
    public <R extends Message> CompletableFuture<R> request(NodeId to, Message request, Class<R> responseType,
                                                            long timeoutMs) {
        return bus.request(to, request, responseType, timeoutMs);
    }

    @Override
    public <M extends Message> void handle(Class<M> type, Handler<? super M> handler) {
        bus.handle(type, (from, message) -> {
            String refusal = refusal(from);
            if (refusal != null) {
                refusals.warn("Refused " + type.getSimpleName() + " from " + from + ", which " + refusal);
                return CompletableFuture.failedFuture(new InvalidRequestException(type.getSimpleName()
                        + " refused: " + from + " " + refusal));
            }
            return handler.onMessage(from, message);
        });
    }

    /** Why {@code from} may not send data requests here, or null when it may. */
    private String refusal(NodeId from) {
        if (from.equals(bus.self())) {
            return null;
        }
        Optional<MemberStatus> status = membership.status(from);
        if (status.isEmpty()) {
            return "is not a member this node knows of";
        }
        if (status.get().isRetired()) {
            return "has " + (status.get() == MemberStatus.LEFT ? "left" : "been removed from") + " the cluster";
        }
        return null;
    }
}
