package io.kvorum.core.protocol;

import io.kvorum.core.Message;
import java.util.List;
import java.util.Objects;

/**
 * The operator's requests on a node's client port ({@code bin/kvorum-admin}): what the cluster
 * looks like from that node, and the ring changes an operator starts.
 */
public final class AdminMessages {
    private AdminMessages() {
    }

    /** Asks for {@link StatusResponse}. */
    public record StatusRequest() implements Message {
    }

    /**
     * One member as the answering node sees it.
     *
     * @param status NORMAL, JOINING, LEAVING, REMOVING, LEFT or REMOVED (gossip's status)
     * @param owns share of the token space as primary owner, 0..1
     * @param replicates share of the data it holds at the replication factor, 0..1 (the ring's
     *     mean is rf / nodes)
     * @param streaming the member's own summary of its streams, empty when none run
     * @param storage the member's own line on what is wrong with its storage (say, {@code disk full: 0 B
     *     free in /data/storage/sstables since 12:03:04} or {@code corrupt blocks: 2 in 1 table}), empty
     *     when nothing is
     */
    public record MemberRow(long nodeId, String address, String clientAddress, String rack, String status,
                            boolean up, long loadBytes, int tokens, double owns, double replicates,
                            String streaming, String storage) {
        public MemberRow {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(clientAddress, "clientAddress");
            Objects.requireNonNull(rack, "rack");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(streaming, "streaming");
            Objects.requireNonNull(storage, "storage");
        }
    }

    /**
     * @param node the answering node's id
     * @param change the ring change running on the answering node, empty when none
     * @param streams the answering node's recent streams, one line each
     */
    public record StatusResponse(long node, int replicationFactor, List<MemberRow> members, String change,
                                 List<String> streams, String hints) implements Message {
        public StatusResponse {
            members = List.copyOf(members);
            Objects.requireNonNull(change, "change");
            streams = List.copyOf(streams);
            Objects.requireNonNull(hints, "hints");
        }
    }

    /** Decommissions the receiving node; answered once its ranges are on their new replicas, before it exits. */
    public record DecommissionRequest() implements Message {
    }

    /** Removes a dead member, restoring its ranges from their surviving replicas. */
    public record RemoveNodeRequest(long nodeId) implements Message {
    }

    /** Drops the data of ranges the receiving node no longer replicates (after a node joined). */
    public record CleanupRequest() implements Message {
    }

    /**
     * Asks for exactly what one replica stores of a key, for debugging and experiments: no quorum,
     * no read repair. Answered with a {@link GetResponse} of that replica's records.
     *
     * @param nodeId the replica; any node may be asked, not only the key's replicas
     */
    public record ReplicaReadRequest(byte[] key, long nodeId, long timeoutMs) implements Message {
        public ReplicaReadRequest {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Lists this node's stored hints per target, or acts on one target's: {@code action} is
     * {@code list}, {@code pause}, {@code resume} or {@code truncate}; {@code nodeId} is ignored for
     * {@code list}. Answered with {@link HintsResponse}.
     */
    public record HintsRequest(String action, long nodeId) implements Message {
        public HintsRequest {
            Objects.requireNonNull(action, "action");
        }
    }

    /**
     * One target's hints on the answering node.
     *
     * @param oldestAgeMs  age of the oldest undelivered hint, 0 when none
     * @param dropped      hints refused since start, for any bound
     * @param hintsPerSecond delivery rate while this run has been delivering to the target, 0 before
     */
    public record HintRow(long target, long hints, long bytes, long oldestAgeMs, long delivered, long dropped,
                          boolean paused, double hintsPerSecond) {
    }

    /** @param message what an action did; empty for a list */
    public record HintsResponse(long node, List<HintRow> rows, String message) implements Message {
        public HintsResponse {
            rows = List.copyOf(rows);
            Objects.requireNonNull(message, "message");
        }
    }

    /** What an admin operation did. */
    public record AdminResponse(String message) implements Message {
        public AdminResponse {
            Objects.requireNonNull(message, "message");
        }
    }
}
