package io.kvorum.coordinator;

import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import java.util.List;

/** The messages coordinators and replicas exchange, and their wire ids (100..199). */
public final class CoordinatorMessages {
    private CoordinatorMessages() {
    }

    /** Records for a replica to add by union; acknowledged once applied (and fsynced when durable). */
    public record ReplicaWrite(List<Record> records, boolean durable) implements Message {
    }

    public record ReplicaWriteAck() implements Message {
    }

    /**
     * A sloppy write's records for a fallback to keep as a hint for {@code replica}, a home replica
     * believed down; acknowledged (with {@link ReplicaWriteAck}) once the hint is stored, and
     * fsynced when durable. A fallback whose hints are full refuses it.
     */
    public record HintedWrite(List<Record> records, boolean durable, NodeId replica) implements Message {
    }

    /** Asks a replica for its live records of a key. */
    public record ReplicaRead(Key key) implements Message {
    }

    public record ReplicaReadResult(List<Record> records) implements Message {
    }

    /** A client's write forwarded to a replica of its key, which coordinates it; never forwarded again. */
    public record CoordinatePut(PutRequest request) implements Message {
    }

    /** A client's read forwarded to a replica of its key, which coordinates it; never forwarded again. */
    public record CoordinateGet(GetRequest request) implements Message {
    }

    public static MessageTypes.Builder register(MessageTypes.Builder types) {
        return types
                .add(100, ReplicaWrite.class)
                .add(101, ReplicaWriteAck.class)
                .add(102, ReplicaRead.class)
                .add(103, ReplicaReadResult.class)
                .add(104, CoordinatePut.class)
                .add(105, CoordinateGet.class)
                .add(106, HintedWrite.class);
    }
}
