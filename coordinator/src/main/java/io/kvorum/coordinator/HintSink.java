package io.kvorum.coordinator;

import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.storage.Durability;
import java.util.List;

/**
 * Where a coordinator keeps a write for a replica that did not take it (down, cut off or too slow),
 * and where a fallback keeps a sloppy write it stands in for: the node's hint store, which hands the
 * records to the replica once it is back. Defined here, implemented by the {@code hints} module, so
 * the coordinator needs nothing of how hints are stored.
 *
 * <p>Called on storage threads; a {@link Durability#DURABLE} add returns once the hint is fsynced.
 */
public interface HintSink {
    /** Keeps no hints: for nodes and tests without a hint store. */
    HintSink NONE = (replica, records, durability) -> false;

    /**
     * Keeps {@code records} (one key's batch, as shipped to replicas) for {@code replica}.
     *
     * @return false when a bound of the store refused the hint (counted and logged there); a refused
     *     hint is no error to the client, anti-entropy heals what hints do not
     * @throws io.kvorum.storage.StorageException when the store cannot write
     */
    boolean add(NodeId replica, List<Record> records, Durability durability);
}
