package io.kvorum.node;

import io.kvorum.streaming.RangeStreamer;
import io.kvorum.ringchanges.RingChanges;
import io.kvorum.streaming.StreamProgress;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Message;
import io.kvorum.core.NodeId;
import io.kvorum.core.TokenRange;
import io.kvorum.core.protocol.AdminMessages.AdminResponse;
import io.kvorum.core.protocol.AdminMessages.CleanupRequest;
import io.kvorum.core.protocol.AdminMessages.DecommissionRequest;
import io.kvorum.core.protocol.AdminMessages.HintsRequest;
import io.kvorum.core.protocol.AdminMessages.MemberRow;
import io.kvorum.core.protocol.AdminMessages.RemoveNodeRequest;
import io.kvorum.core.protocol.AdminMessages.StatusRequest;
import io.kvorum.core.protocol.AdminMessages.StatusResponse;
import io.kvorum.gossip.AppState;
import io.kvorum.gossip.GossipMembership;
import io.kvorum.gossip.Member;
import io.kvorum.gossip.StatusValue;
import io.kvorum.gossip.Tokens;
import io.kvorum.ring.Ring;
import io.kvorum.storage.ReplicaStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The operator's requests ({@code bin/kvorum-admin}): the cluster's status as this node sees it,
 * the ring changes an operator starts here, and cleanup after a node joined. A decommission answers once this node's ranges are
 * on their new replicas; then {@code onRetired} stops the node.
 */
final class AdminService {
    private final GossipMembership membership;
    private final RingChanges ringChanges;
    private final RangeStreamer streamer;
    private final int replicationFactor;
    private final Runnable onRetired;
    private final ReplicaStore store;
    private final Executor storageThreads;
    private final HintsAdmin hints;

    /** The cleanup under way, which later requests join. */
    private final SingleFlight<AdminResponse> cleanups = new SingleFlight<>();

    AdminService(GossipMembership membership, RingChanges ringChanges, RangeStreamer streamer, int replicationFactor,
                 Runnable onRetired, ReplicaStore store, Executor storageThreads, HintsAdmin hints) {
        this.hints = hints;
        this.store = store;
        this.storageThreads = storageThreads;
        this.membership = membership;
        this.ringChanges = ringChanges;
        this.streamer = streamer;
        this.replicationFactor = replicationFactor;
        this.onRetired = onRetired;
    }

    /** The answer to an admin request, or null when {@code request} is not one. */
    CompletionStage<? extends Message> handle(Message request) {
        if (request instanceof StatusRequest) {
            return CompletableFuture.completedFuture(status());
        }
        if (request instanceof HintsRequest h) {
            return hints.handle(h);
        }
        if (request instanceof DecommissionRequest) {
            return ringChanges.decommission().thenApply(v -> {
                onRetired.run();
                return new AdminResponse("decommissioned " + membership.self()
                        + ": its ranges are on their new replicas; the node is stopping");
            });
        }
        if (request instanceof RemoveNodeRequest remove) {
            NodeId dead = new NodeId(remove.nodeId());
            return ringChanges.removeNode(dead).thenApply(v -> new AdminResponse("removed " + dead
                    + ": its ranges are back to " + replicationFactor + " replicas"));
        }
        if (request instanceof CleanupRequest) {
            return cleanup();
        }
        return null;
    }

    /**
     * Drops what this node no longer replicates. Refused while a ring change is under way: the
     * pending ring may give this node back ranges it would drop, and a stream may be writing them.
     *
     * <p>A request while a cleanup runs joins it rather than queueing another: each one flushes and
     * rewrites tables, and a stream of them once kept a node busy for minutes after the sender
     * stopped. The joined answer is the running cleanup's, which drops the same ranges.
     */
    private CompletableFuture<AdminResponse> cleanup() {
        return cleanups.run(this::startCleanup);
    }

    private CompletableFuture<AdminResponse> startCleanup() {
        Ring ring = membership.ring();
        NodeId self = membership.self();
        if (membership.pendingRing() != ring) {
            return CompletableFuture.failedFuture(new InvalidRequestException("a ring change is under way; clean up"
                    + " once it has completed (kvorum-admin status shows none JOINING, LEAVING or REMOVING)"));
        }
        if (!ring.contains(self)) {
            return CompletableFuture.failedFuture(new InvalidRequestException(self + " owns no ranges yet"));
        }
        List<TokenRange> keep = ring.replicaRanges(self, replicationFactor);
        return CompletableFuture.supplyAsync(() -> new AdminResponse("cleaned up " + self + ": dropped "
                + store.retainOnly(keep) + " keys of ranges it no longer replicates"), storageThreads);
    }

    private StatusResponse status() {
        Ring ring = membership.ring();
        Ring pending = membership.pendingRing();
        Map<NodeId, Double> holds = holdings(ring);
        Map<NodeId, Double> pendingHolds = pending == ring ? holds : holdings(pending);
        List<MemberRow> rows = new ArrayList<>();
        for (Member m : membership.members()) {
            StatusValue status = m.status();
            String tokens = m.get(AppState.TOKENS);
            int tokenCount = tokens == null || tokens.isEmpty() ? 0 : Tokens.parse(tokens).size();
            Ring placing = ring.contains(m.node()) ? ring : pending;
            Map<NodeId, Double> placingHolds = placing == ring ? holds : pendingHolds;
            rows.add(new MemberRow(m.node().value(), orEmpty(m.get(AppState.ADDRESS)),
                    orEmpty(m.get(AppState.CLIENT_ADDRESS)), orEmpty(m.get(AppState.RACK)),
                    status == null ? "?" : status.status().name(), membership.isUp(m.node()),
                    parseLong(m.get(AppState.LOAD)), tokenCount,
                    placing.contains(m.node()) ? placing.ownership().getOrDefault(m.node(), 0.0) : 0.0,
                    placingHolds.getOrDefault(m.node(), 0.0),
                    orEmpty(m.get(AppState.STREAMING)), orEmpty(m.get(AppState.STORAGE))));
        }
        List<String> streams = new ArrayList<>();
        for (StreamProgress p : streamer.sessions()) {
            streams.add(describe(p));
        }
        return new StatusResponse(membership.self().value(), replicationFactor, rows,
                ringChanges.running().orElse(""), streams, hints.summary());
    }

    /** One line per stream: what, state, how far. */
    static String describe(StreamProgress p) {
        return String.format(Locale.ROOT, "%s: %s, %d/%d ranges, %,d records, %,d bytes", p.description(),
                p.state().name().toLowerCase(Locale.ROOT), p.rangesDone(), p.rangesTotal(), p.records(), p.bytes());
    }

    /** The share of all data each node holds: its replica share times the replicas each key has. */
    private Map<NodeId, Double> holdings(Ring ring) {
        Map<NodeId, Double> holds = new HashMap<>();
        int replicas = Math.min(replicationFactor, Math.max(1, ring.size()));
        ring.replicaShares(replicationFactor).forEach((node, share) -> holds.put(node, share * replicas));
        return holds;
    }

    private static long parseLong(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    static InvalidRequestException unknown(Message request) {
        return new InvalidRequestException("not a client request: " + request.getClass().getSimpleName());
    }
}
