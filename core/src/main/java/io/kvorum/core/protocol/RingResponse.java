package io.kvorum.core.protocol;

import io.kvorum.core.Message;
import java.util.List;

/** The cluster as a node sees it: its replication factor and every member with its tokens. */
public record RingResponse(int replicationFactor, List<Member> members) implements Message {

    /** One node: where clients reach it, its ring tokens, its rack and whether it is up. */
    public record Member(long nodeId, String host, int clientPort, List<Long> tokens, String rack, boolean up) {
    }
}
