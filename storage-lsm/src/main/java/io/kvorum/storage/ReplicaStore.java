package io.kvorum.storage;

import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import java.util.List;

/**
 * A replica's records: what one node stores of the keys it replicates.
 *
 * <p>A store only ever takes the union of what it is given. It never decides between records,
 * never reads before writing and never drops a record that is not obsolete (save whole keys it
 * is told it no longer replicates, {@link #retainOnly}): that is what lets
 * read repair, hinted handoff, anti-entropy and streaming all be "send records, apply them".
 * Reads pass a key's records through {@link io.kvorum.core.Causality#resolve}, so callers see
 * only records that are not obsolete (including lone tombstones: interpreting them is the
 * coordinator's job).
 *
 * <p>All methods are thread-safe. After {@link #close()} every other method throws
 * {@link IllegalStateException}.
 *
 * <p>Implementations: {@code LsmStore} (the node's durable engine) and {@link MemoryReplicaStore}
 * (for simulation and tests). Both pass {@code ReplicaStoreContract}.
 */
public interface ReplicaStore extends AutoCloseable {

    /**
     * Adds {@code records} to the store by union. Idempotent: applying a record twice is applying
     * it once.
     *
     * <p>A batch is atomic across crashes: after a restart either all of it is there or none of
     * it. The coordinator relies on this when it ships a new record together with the survivors
     * it does not supersede; a replica that kept the one without the others would hand readers a
     * context claiming records it does not have.
     *
     * <p>Every key and value is checked against the store's size limits first; if any is too
     * large the call throws {@link io.kvorum.core.SizeLimitExceededException} and nothing of the
     * batch is applied.
     *
     * @param durability {@link Durability#DURABLE} returns only once the batch is on stable storage
     * @throws StorageException when the store cannot write (a full or failing disk)
     */
    void apply(List<Record> records, Durability durability);

    /** {@link #apply(List, Durability)} of one record. */
    default void apply(Record record, Durability durability) {
        apply(List.of(record), durability);
    }

    /**
     * The records of {@code key} that are not obsolete, in dot order; empty when the store has
     * none. Sees every batch whose {@code apply} returned before the call began.
     *
     * @throws io.kvorum.core.CorruptDataException when part of the store that may hold the key is
     *         damaged and the key has not been restored since ({@link #readAvailable} answers with
     *         the rest instead): a caller that builds on a key's records, such as a writing
     *         coordinator shipping the survivors, must not build on part of them
     */
    List<Record> read(Key key);

    /**
     * As {@link #read}, but when part of the store that may hold the key's records is damaged the
     * answer is what the rest holds, marked incomplete, instead of an error: a replica that lost one
     * block still gives the coordinator what it has, and says that it is not all. A key
     * {@link #restore restored} since reads complete again, until more damage is found.
     *
     * <p>A store that cannot lose part of a key (one in memory) always answers complete; that is the
     * default.
     */
    default KeyRead readAvailable(Key key) {
        return KeyRead.complete(read(key));
    }

    /**
     * Read repair of an incomplete replica: applies {@code records}, what a quorum of the key's
     * other replicas holds that this one did not return, by union, and from then on counts reads of
     * {@code key} as complete despite the damage found so far. The records must be all of the key's
     * live records this replica lacks; that is what makes the key whole again without the damaged part.
     *
     * <p>The default applies the records: a store that is never incomplete has nothing more to mark.
     *
     * @throws StorageException as {@link #apply} does
     */
    default void restore(Key key, List<Record> records, Durability durability) {
        apply(records, durability);
    }

    /**
     * The records that are not obsolete of every key in {@code range}, ordered by key (token, then
     * bytes) and within a key by dot. A wrapping range yields the part after its start first, as
     * the ring orders it. The iterator is weakly consistent: it sees every batch applied before
     * the call and may see some applied during iteration. The caller must close it.
     */
    CloseableIterator<Record> scan(TokenRange range);

    /**
     * Drops every record of every key whose token lies in none of {@code keep}: after a ring change
     * the node no longer replicates those keys (Cassandra's {@code nodetool cleanup}). The records
     * go physically, not by tombstones, since the keys' replicas keep theirs; this is the one
     * operation that removes records that are not obsolete, and only ever whole keys.
     *
     * <p>It acts on every batch applied before the call began. A batch applied while it runs may
     * survive even outside {@code keep}; a later call drops it. Meanwhile reads and writes go on,
     * and a read of a key being dropped may return part of its records.
     *
     * <p>Idempotent. A crash part-way leaves every kept key intact; a dropped key may be back with
     * some of its records, and calling again with the same ranges finishes the job.
     *
     * <p>Runs on the calling thread for as long as it takes (in a durable store, as long as
     * rewriting the files that hold dropped keys); call it from a background executor.
     *
     * @param keep the ranges whose keys stay; they may overlap or wrap. Empty drops every key, a full
     *             range keeps every key
     * @return how many keys were dropped. A store that keeps a key in several files may count it
     *         once per file, an upper bound; each implementation says whether its count is exact
     * @throws IllegalArgumentException when {@code keep} or one of its ranges is null
     * @throws StorageException when the store cannot write its files
     */
    long retainOnly(List<TokenRange> keep);

    /** Makes everything applied so far durable in the store's files, not only in its log. */
    void flush();

    /** Flushes, stops background work and releases files. Idempotent. */
    @Override
    void close();
}
