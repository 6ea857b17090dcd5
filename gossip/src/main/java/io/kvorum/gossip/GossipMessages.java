package io.kvorum.gossip;

import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import java.util.List;
import java.util.Objects;

/**
 * The messages of gossip and failure detection, and their wire ids (200..219).
 *
 * <p>One exchange is three messages, as in Cassandra: the initiator's {@link GossipSyn} lists a
 * digest of every member it knows; the peer answers {@link GossipAck} with the states the initiator
 * lacks and digests of what it lacks itself; the initiator closes with {@link GossipAck2}. Only
 * versions one side lacks cross the wire.
 */
public final class GossipMessages {
    private GossipMessages() {
    }

    /** What one node knows of a member: its generation and the highest version of any of its states. */
    public record Digest(NodeId node, long generation, long maxVersion) {
        public Digest {
            Objects.requireNonNull(node, "node");
        }
    }

    /** One versioned application state. */
    public record StateEntry(AppState key, String value, long version) {
        public StateEntry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * States of one member newer than what the receiver has: all of them when the receiver's
     * generation is older, else those above the version it asked from. The heartbeat version
     * always rides along.
     */
    public record EndpointDelta(NodeId node, long generation, long heartbeatVersion, List<StateEntry> states) {
        public EndpointDelta {
            Objects.requireNonNull(node, "node");
            states = List.copyOf(states);
        }
    }

    public record GossipSyn(String clusterName, List<Digest> digests) implements Message {
        public GossipSyn {
            Objects.requireNonNull(clusterName, "clusterName");
            digests = List.copyOf(digests);
        }
    }

    /**
     * The peer's answer: {@code requests} are digests of members whose states the peer lacks, each
     * with the version the peer has; {@code deltas} are states the initiator lacks.
     */
    public record GossipAck(List<Digest> requests, List<EndpointDelta> deltas) implements Message {
        public GossipAck {
            requests = List.copyOf(requests);
            deltas = List.copyOf(deltas);
        }
    }

    public record GossipAck2(List<EndpointDelta> deltas) implements Message {
        public GossipAck2 {
            deltas = List.copyOf(deltas);
        }
    }

    /** A direct heartbeat, sent to every member each heartbeat interval; it feeds the failure detector. */
    public record Heartbeat(long generation) implements Message {
    }

    /**
     * Asks a member how much of {@code node}'s state it has: a ring change waits until every live
     * member has the version at which the change was announced.
     */
    public record StatusQuery(NodeId node) implements Message {
        public StatusQuery {
            Objects.requireNonNull(node, "node");
        }
    }

    /**
     * The generation and highest version the answering member holds for the node asked about (0
     * and 0 when it knows none), and the status text, for messages naming who lags.
     */
    public record StatusAnswer(long generation, long maxVersion, String status) implements Message {
        public StatusAnswer {
            Objects.requireNonNull(status, "status");
        }
    }

    public static MessageTypes.Builder register(MessageTypes.Builder types) {
        return types
                .add(200, GossipSyn.class)
                .add(201, GossipAck.class)
                .add(202, GossipAck2.class)
                .add(203, Heartbeat.class)
                .add(204, StatusQuery.class)
                .add(205, StatusAnswer.class);
    }
}
