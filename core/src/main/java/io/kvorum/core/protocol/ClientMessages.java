package io.kvorum.core.protocol;

import io.kvorum.core.Failure;
import io.kvorum.core.MessageTypes;

/**
 * The client protocol's message ids: fixed forever once released, shared by the node's client
 * server and the Java client.
 */
public final class ClientMessages {
    private ClientMessages() {
    }

    /** Adds the client protocol's messages (ids 1..99) to {@code types}. */
    public static MessageTypes.Builder register(MessageTypes.Builder types) {
        return types
                .add(1, Failure.class)
                .add(2, GetRequest.class)
                .add(3, GetResponse.class)
                .add(4, PutRequest.class)
                .add(5, PutResponse.class)
                .add(6, RingRequest.class)
                .add(7, RingResponse.class)
                .add(20, AdminMessages.StatusRequest.class)
                .add(21, AdminMessages.StatusResponse.class)
                .add(22, AdminMessages.DecommissionRequest.class)
                .add(23, AdminMessages.RemoveNodeRequest.class)
                .add(24, AdminMessages.AdminResponse.class)
                .add(25, AdminMessages.CleanupRequest.class)
                .add(30, AdminMessages.ReplicaReadRequest.class)
                .add(31, AdminMessages.HintsRequest.class)
                .add(32, AdminMessages.HintsResponse.class);
    }

    public static MessageTypes types() {
        return register(MessageTypes.builder()).build();
    }
}
