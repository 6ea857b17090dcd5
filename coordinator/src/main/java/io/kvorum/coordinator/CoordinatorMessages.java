package io.kvorum.coordinator;

import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.storage.KeyRead;
import java.util.List;
import java.util.Objects;

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

    /**
     * A replica's records of a key: all of them when {@code damage} is empty, else those it could
     * read, with what is damaged (an incomplete answer, which a coordinator never counts toward R).
     */
    public record ReplicaReadResult(List<Record> records, String damage) implements Message {
        public ReplicaReadResult {
            Objects.requireNonNull(records, "records");
            Objects.requireNonNull(damage, "damage");
        }

        static ReplicaReadResult of(KeyRead read) {
            return new ReplicaReadResult(read.records(), read.damage());
        }

        KeyRead read() {
            return damage.isEmpty() ? KeyRead.complete(records) : KeyRead.incomplete(records, damage);
        }
    }

    /**
     * Read repair of a replica whose answer was incomplete: the key's live records it lacks, from a
     * quorum of its other replicas, after which it counts the key as whole ({@link
     * io.kvorum.storage.ReplicaStore#restore}); acknowledged once applied.
     */
    public record ReplicaRestore(Key key, List<Record> records) implements Message {
        public ReplicaRestore {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(records, "records");
        }
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
                .add(106, HintedWrite.class)
                .add(107, ReplicaRestore.class);
    }
}
