package io.kvorum.coordinator;

import io.kvorum.coordinator.CoordinatorMessages.CoordinateGet;
import io.kvorum.coordinator.CoordinatorMessages.CoordinatePut;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaReadResult;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.DotSource;
import io.kvorum.core.MessageBus;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.Seams;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.ring.Membership;
import io.kvorum.storage.ReplicaStore;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs client requests against a key's replicas with the request's own n and R or W, and serves
 * the replica side of other coordinators' requests. This class is the facade; each job is a part
 * of its own:
 * <ul>
 *   <li>{@link WritePath}: writes and deletes, carrying out the pure {@link io.kvorum.ring.WritePlan};</li>
 *   <li>{@link ReadPath}: reads, answered after R, with read repair once the replies settle;</li>
 *   <li>{@link Forwarder}: a request at a node that is not a replica of its key goes to one that is;</li>
 *   <li>{@link ReplicaHandlers}: the replica side, applying and reading records.</li>
 * </ul>
 *
 * <p><b>Who coordinates.</b> A replica of the key: a node that is not forwards the request to the
 * first replica that is up, which coordinates it and never forwards again. A writing coordinator
 * must be a replica because it reads its own records of the key to ship the survivors, and because
 * it keeps the key's vector entries to its replicas (DESIGN.md).
 *
 * <p><b>Failures.</b> {@link UnavailableException} when too few replicas are up before sending;
 * {@link RequestTimeoutException} naming how many answered when too few answer in time (or too
 * many fail): a write that failed so may still have been applied; {@link
 * io.kvorum.core.CorruptDataException} naming the replicas when damaged data is what kept the
 * request short, since retrying will not help until they are repaired.
 *
 * <p>Time, scheduling, the network and storage threads all come from outside ({@link Seams}), so the
 * same code runs in a node and in a single-threaded simulation.
 */
public final class Coordinator {
    private final MessageBus bus;
    private final int replicationFactor;
    private final Stats stats = new Stats();
    private final ReadPath reads;
    private final WritePath writes;
    private final ReplicaHandlers replicaHandlers;

    /** Counts for metrics. */
    public static final class Stats {
        public final LongAdder reads = new LongAdder();
        public final LongAdder writes = new LongAdder();
        public final LongAdder forwarded = new LongAdder();
        public final LongAdder unavailable = new LongAdder();
        public final LongAdder timeouts = new LongAdder();
        public final LongAdder readRepairs = new LongAdder();
        /** Replica answers to reads that were incomplete (a damaged block), merged but not counted toward R. */
        public final LongAdder incompleteReplies = new LongAdder();
        /** Hints this node kept as coordinator for replicas that did not acknowledge a write. */
        public final LongAdder hintsKept = new LongAdder();
        /** Hints this node's store refused (a bound) or failed to write. */
        public final LongAdder hintsRefused = new LongAdder();
        /** Repairs not sent because they carried more of a key's records than the sibling limit. */
        public final LongAdder readRepairsOverLimit = new LongAdder();
    }

    /**
     * @param seams      the bus (whose {@link MessageBus#self()} is this node), clock, scheduler and
     *                   storage executor; the coordinator draws no random numbers
     * @param dots       where each write this node coordinates gets its dot
     * @param store      this node's replica of the keys it holds
     * @param membership the rings to place keys on and who is believed up
     */
    public Coordinator(Seams seams, DotSource dots, ReplicaStore store, Membership membership,
                       CoordinatorOptions options) {
        this(seams, dots, store, membership, options, HintSink.NONE);
    }

    /**
     * @param hints where this node keeps writes for replicas that missed them, and the sloppy writes
     *              it takes as a fallback
     */
    public Coordinator(Seams seams, DotSource dots, ReplicaStore store, Membership membership,
                       CoordinatorOptions options, HintSink hints) {
        Objects.requireNonNull(seams, "seams");
        Objects.requireNonNull(dots, "dots");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(membership, "membership");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(hints, "hints");
        this.bus = seams.bus();
        this.replicationFactor = options.replicationFactor();
        Forwarder forwarder = new Forwarder(seams.self(), bus, membership, stats);
        this.reads = new ReadPath(seams, store, membership, options, forwarder, stats);
        this.writes = new WritePath(seams, dots, store, membership, options, forwarder, stats, hints);
        this.replicaHandlers = new ReplicaHandlers(store, seams.storage(), options.maxSiblings(), hints);
    }

    /** Registers the replica-side and forwarding handlers; call before the bus starts. */
    public void registerHandlers() {
        replicaHandlers.register(bus);
        bus.handle(CoordinatePut.class, (from, m) -> writes.put(m.request(), true));
        bus.handle(CoordinateGet.class, (from, m) -> reads.get(m.request(), true));
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    public Stats stats() {
        return stats;
    }

    /** A client's read. */
    public CompletableFuture<GetResponse> get(GetRequest request) {
        return reads.get(request, false);
    }

    /**
     * What {@code replica} stores of {@code key}, read directly, without a quorum or read repair:
     * for operators and experiments that need to see each replica's own records.
     */
    public CompletableFuture<GetResponse> readReplica(NodeId replica, Key key, long timeoutMs) {
        CompletableFuture<ReplicaReadResult> result = replica.equals(bus.self())
                ? replicaHandlers.read(new ReplicaRead(key))
                : bus.request(replica, new ReplicaRead(key), ReplicaReadResult.class, timeoutMs);
        return result.thenApply(r -> new GetResponse(r.records()));
    }

    /** A client's write or delete. */
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return writes.put(request, false);
    }
}
