package io.kvorum.coordinator;

import io.kvorum.coordinator.CoordinatorMessages.CoordinateGet;
import io.kvorum.coordinator.CoordinatorMessages.CoordinatePut;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaReadResult;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWriteAck;
import io.kvorum.core.Causality;
import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Dot;
import io.kvorum.core.DotSource;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Message;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.Record;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.Scheduler;
import io.kvorum.core.UnavailableException;
import io.kvorum.core.VersionVector;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import io.kvorum.storage.Durability;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs client requests against a key's replicas with the request's own n and R or W, and serves
 * the replica side of other coordinators' requests.
 *
 * <p><b>Who coordinates.</b> A replica of the key: a node that is not forwards the request to the
 * first replica that is up, which coordinates it and never forwards again. A writing coordinator
 * must be a replica because it reads its own records of the key to ship the survivors, and because
 * it keeps the key's vector entries to its replicas (DESIGN.md).
 *
 * <p><b>Writes.</b> Refused before anything is sent when the options are invalid for the
 * replication factor or fewer than W replicas are up. Otherwise, under a per-key lock on a storage
 * thread: read the local records, take the next dot, make the record with the client's context, apply
 * it locally, and send it with the local records it does not supersede
 * ({@link Causality#survivorsToShip}) to the other replicas that are up. The local apply counts as
 * one acknowledgement; success after W. The response carries the context after the write.
 *
 * <p><b>Reads.</b> Ask the n replicas that are up; answer after R with the union of their replies,
 * resolved; then, once all have answered or the deadline has passed, send each stale replica what
 * it lacks ({@link ReadRepair}).
 *
 * <p><b>Failures.</b> {@link UnavailableException} when too few replicas are up before sending;
 * {@link RequestTimeoutException} naming how many answered when too few answer in time (or too
 * many fail): a write that failed so may still have been applied.
 *
 * <p>Time, scheduling, the network and storage threads all come from outside, so the same code runs
 * in a node and in a single-threaded simulation.
 */
public final class Coordinator {
    private final NodeId self;
    private final DotSource dots;
    private final ReplicaStore store;
    private final Membership membership;
    private final MessageBus bus;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Executor storage;
    private final int replicationFactor;
    private final long maxTimeoutMs;
    private final RecordLimits limits;
    private final KeyLocks locks = new KeyLocks(1024);
    private final Stats stats = new Stats();

    /** Counts for metrics. */
    public static final class Stats {
        public final LongAdder reads = new LongAdder();
        public final LongAdder writes = new LongAdder();
        public final LongAdder forwarded = new LongAdder();
        public final LongAdder unavailable = new LongAdder();
        public final LongAdder timeouts = new LongAdder();
        public final LongAdder readRepairs = new LongAdder();
    }

    /**
     * @param maxTimeoutMs the longest timeout a request may ask for: ring changes wait this long for
     *     requests begun under the old ring (see {@code ring.change_grace_ms}), so no request may outlive it
     */
    public Coordinator(DotSource dots, ReplicaStore store, Membership membership, MessageBus bus, Scheduler scheduler,
                       Clock clock, Executor storage, int replicationFactor, RecordLimits limits, long maxTimeoutMs) {
        this.maxTimeoutMs = Checks.requirePositive(maxTimeoutMs, "max timeout ms");
        this.self = bus.self();
        this.dots = dots;
        this.store = store;
        this.membership = membership;
        this.bus = bus;
        this.scheduler = scheduler;
        this.clock = clock;
        this.storage = storage;
        this.replicationFactor = replicationFactor;
        this.limits = limits;
    }

    /** Registers the replica-side and forwarding handlers; call before the bus starts. */
    public void registerHandlers() {
        bus.handle(ReplicaWrite.class, (from, m) -> onStorage(() -> {
            store.apply(m.records(), m.durable() ? Durability.DURABLE : Durability.PERIODIC);
            return new ReplicaWriteAck();
        }));
        bus.handle(ReplicaRead.class, (from, m) -> onStorage(() -> new ReplicaReadResult(store.read(m.key()))));
        bus.handle(CoordinatePut.class, (from, m) -> put(m.request(), true));
        bus.handle(CoordinateGet.class, (from, m) -> get(m.request(), true));
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    public Stats stats() {
        return stats;
    }

    /** A client's read. */
    public CompletableFuture<GetResponse> get(GetRequest request) {
        return get(request, false);
    }

    /** A client's write or delete. */
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return put(request, false);
    }

    // ------------------------------------------------------------------------------------ reads

    private CompletableFuture<GetResponse> get(GetRequest request, boolean forwarded) {
        Key key;
        ReadOptions options;
        int n;
        try {
            key = request.keyObject();
            options = request.options();
            n = options.effectiveN(replicationFactor);
            checkTimeout(options.timeoutMs());
            checkKey(key);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(asRequestError(e));
        }
        List<NodeId> replicas = membership.ring().preferenceList(key, n);
        if (!replicas.contains(self)) {
            return forward(replicas, forwarded, new CoordinateGet(request), GetResponse.class, options.timeoutMs(),
                    "read");
        }
        stats.reads.increment();
        int required = options.r().required(n);
        List<NodeId> up = up(replicas);
        if (up.size() < required) {
            stats.unavailable.increment();
            return CompletableFuture.failedFuture(
                    UnavailableException.of("read at R=" + options.r() + " (n=" + n + ")", required, up.size()));
        }
        long timeoutMs = options.timeoutMs();
        QuorumRound<List<Record>> round = new QuorumRound<>(required, up.size(),
                (req, answered, timedOut, failures) -> shortfall("read", req, answered, timeoutMs, false, failures));
        Scheduler.Cancellable deadline = scheduler.schedule(round::expire, timeoutMs, TimeUnit.MILLISECONDS);
        for (NodeId replica : up) {
            CompletableFuture<List<Record>> reply = replica.equals(self)
                    ? onStorage(() -> store.read(key))
                    : bus.request(replica, new ReplicaRead(key), ReplicaReadResult.class, timeoutMs)
                            .thenApply(ReplicaReadResult::records);
            reply.whenComplete((records, error) -> {
                if (error == null) {
                    round.reply(replica, records);
                } else {
                    round.fail(replica, unwrap(error));
                }
            });
        }
        round.settled().thenAccept(replies -> {
            deadline.cancel();
            repair(replies);
        });
        return round.quorum().thenApply(replies -> {
            List<Record> all = new ArrayList<>();
            replies.values().forEach(all::addAll);
            return new GetResponse(Causality.resolve(all));
        });
    }

    private void repair(Map<NodeId, List<Record>> replies) {
        ReadRepair.repairs(replies).forEach((replica, records) -> {
            stats.readRepairs.increment();
            if (replica.equals(self)) {
                onStorage(() -> {
                    store.apply(records, Durability.PERIODIC);
                    return null;
                });
            } else {
                bus.send(replica, new ReplicaWrite(records, false));
            }
        });
    }

    // ----------------------------------------------------------------------------------- writes

    private CompletableFuture<PutResponse> put(PutRequest request, boolean forwarded) {
        Key key;
        WriteOptions options;
        VersionVector context;
        int n;
        try {
            key = request.keyObject();
            options = request.options();
            n = options.effectiveN(replicationFactor);
            checkTimeout(options.timeoutMs());
            checkKey(key);
            if (request.value() != null) {
                limits.checkValue(key, request.value().length);
            }
            context = request.context().length == 0 ? VersionVector.EMPTY : ContextCodec.decode(request.context());
        } catch (CorruptDataException e) {
            return CompletableFuture.failedFuture(new InvalidRequestException("the write's context is not one a read"
                    + " returned (" + e.getMessage() + ")"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(asRequestError(e));
        }
        Ring ring = membership.ring();
        List<NodeId> replicas = ring.preferenceList(key, n);
        if (!replicas.contains(self)) {
            return forward(replicas, forwarded, new CoordinatePut(request), PutResponse.class, options.timeoutMs(),
                    "write");
        }
        stats.writes.increment();
        // Replicas the key gains from a join or leave under way also take the write, and each adds one
        // to the acks required: of W + P acks from the N + P targets, at most P come from replicas the
        // change retires, so W land on the key's final replicas (as Cassandra counts pending nodes).
        List<NodeId> pending = pendingReplicas(ring, membership.pendingRing(), key, n, replicas);
        List<NodeId> targets = pending.isEmpty() ? replicas : concat(replicas, pending);
        int required = options.w().required(n) + pending.size();
        List<NodeId> up = up(targets);
        if (up.size() < required) {
            stats.unavailable.increment();
            return CompletableFuture.failedFuture(UnavailableException.of(
                    (request.isDelete() ? "delete" : "write") + " at W=" + options.w() + " (n=" + n
                            + (pending.isEmpty() ? "" : ", plus " + pending.size() + " replica(s) gaining the key in a"
                            + " ring change") + ")", required, up.size()));
        }
        long timeoutMs = options.timeoutMs();
        Durability durability = options.isDurable() ? Durability.DURABLE : Durability.PERIODIC;
        QuorumRound<Boolean> round = new QuorumRound<>(required, up.size(),
                (req, answered, timedOut, failures) -> shortfall(request.isDelete() ? "delete" : "write", req,
                        answered, timeoutMs, true, failures));
        Scheduler.Cancellable deadline = scheduler.schedule(round::expire, timeoutMs, TimeUnit.MILLISECONDS);
        round.settled().thenRun(deadline::cancel);

        CompletableFuture<List<Record>> written = onStorage(() -> {
            ReentrantLock lock = locks.of(key);
            lock.lock();
            try {
                List<Record> local = store.read(key);
                Dot dot = dots.nextDot();
                Record record = request.isDelete()
                        ? Record.tombstone(key, dot, context, clock.nowMillis())
                        : Record.value(key, dot, context, clock.nowMillis(), request.value());
                List<Record> shipped = new ArrayList<>();
                shipped.add(record);
                shipped.addAll(Causality.survivorsToShip(local, record));
                store.apply(List.of(record), durability);
                return shipped;
            } finally {
                lock.unlock();
            }
        });
        written.whenComplete((shipped, error) -> {
            if (error != null) {
                round.fail(self, unwrap(error));
                return;
            }
            round.reply(self, true);
            ReplicaWrite message = new ReplicaWrite(shipped, options.isDurable());
            for (NodeId replica : up) {
                if (!replica.equals(self)) {
                    bus.request(replica, message, ReplicaWriteAck.class, timeoutMs).whenComplete((ack, e) -> {
                        if (e == null) {
                            round.reply(replica, true);
                        } else {
                            round.fail(replica, unwrap(e));
                        }
                    });
                }
            }
        });
        return round.quorum().thenCombine(written,
                (acks, shipped) -> new PutResponse(ContextCodec.encode(Causality.join(shipped))));
    }

    // ---------------------------------------------------------------------------------- helpers

    /**
     * Sends a request this node cannot coordinate to the first replica that is up, and on to the
     * next if that one cannot be reached: a replica the membership still thinks up may be gone.
     */
    private <R extends Message> CompletableFuture<R> forward(List<NodeId> replicas, boolean forwarded,
            Message message, Class<R> responseType, long timeoutMs, String what) {
        if (forwarded) {
            // Our ring and the forwarder's disagree; a second hop could loop.
            return CompletableFuture.failedFuture(UnavailableException.of(what + " forwarded to " + self
                    + ", which is not a replica of its key in this node's ring", 1, 0));
        }
        List<NodeId> candidates = new ArrayList<>();
        for (NodeId replica : replicas) {
            if (membership.isUp(replica)) {
                candidates.add(replica);
            }
        }
        if (candidates.isEmpty()) {
            stats.unavailable.increment();
            return CompletableFuture.failedFuture(UnavailableException.of(
                    what + " needs a replica of its key to coordinate it", 1, 0));
        }
        stats.forwarded.increment();
        return forwardTo(candidates, 0, message, responseType, timeoutMs);
    }

    private <R extends Message> CompletableFuture<R> forwardTo(List<NodeId> candidates, int i, Message message,
                                                            Class<R> responseType, long timeoutMs) {
        return bus.request(candidates.get(i), message, responseType, timeoutMs)
                .handle((response, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(response);
                    }
                    Throwable cause = unwrap(error);
                    if (cause instanceof PeerUnavailableException && i + 1 < candidates.size()) {
                        return forwardTo(candidates, i + 1, message, responseType, timeoutMs);
                    }
                    return CompletableFuture.<R>failedFuture(cause);
                })
                .thenCompose(f -> f);
    }

    /** The key's replicas in the pending ring that are not among its current ones. */
    private static List<NodeId> pendingReplicas(Ring ring, Ring pendingRing, Key key, int n, List<NodeId> replicas) {
        if (pendingRing == ring) {
            return List.of();
        }
        List<NodeId> pending = new ArrayList<>(0);
        for (NodeId node : pendingRing.preferenceList(key, n)) {
            if (!replicas.contains(node)) {
                pending.add(node);
            }
        }
        return pending;
    }

    private static List<NodeId> concat(List<NodeId> a, List<NodeId> b) {
        List<NodeId> all = new ArrayList<>(a.size() + b.size());
        all.addAll(a);
        all.addAll(b);
        return all;
    }

    private List<NodeId> up(List<NodeId> replicas) {
        List<NodeId> up = new ArrayList<>(replicas.size());
        for (NodeId r : replicas) {
            if (r.equals(self) || membership.isUp(r)) {
                up.add(r);
            }
        }
        return up;
    }

    private void checkTimeout(long timeoutMs) {
        if (timeoutMs > maxTimeoutMs) {
            throw new InvalidRequestException("timeout " + timeoutMs + " ms (expected: at most " + maxTimeoutMs
                    + " ms, this node's request.max_timeout_ms: a request must not outlive a ring change's grace)");
        }
    }

    private void checkKey(Key key) {
        if (key.length() == 0) {
            throw new InvalidRequestException("key is empty (expected: 1 to " + limits.maxKeyBytes() + " bytes)");
        }
        limits.checkKey(key);
    }

    private KvorumException shortfall(String what, int required, int answered, long timeoutMs, boolean write,
                                      Map<NodeId, Throwable> failures) {
        stats.timeouts.increment();
        if (failures.isEmpty()) {
            return new RequestTimeoutException(what, required, answered, timeoutMs, write);
        }
        StringBuilder reasons = new StringBuilder();
        failures.forEach((node, e) -> reasons.append(reasons.length() == 0 ? "" : "; ").append(node).append(": ")
                .append(e.getMessage()));
        return new RequestTimeoutException(what + " failed with " + answered + " of " + required
                + " required replicas answering (" + reasons + ")" + (write ? "; the write may still have been applied"
                : ""), required, answered);
    }

    private static RuntimeException asRequestError(RuntimeException e) {
        if (e instanceof KvorumException) {
            return e;
        }
        if (e instanceof IllegalArgumentException) {
            return e; // SizeLimitExceededException and bad options travel as invalid requests
        }
        return new InvalidRequestException(e.getMessage());
    }

    private <T> CompletableFuture<T> onStorage(java.util.function.Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, storage);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
