package io.kvorum.coordinator;

import io.kvorum.coordinator.CoordinatorMessages.CoordinatePut;
import io.kvorum.coordinator.CoordinatorMessages.HintedWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWriteAck;
import io.kvorum.core.Causality;
import io.kvorum.core.Clock;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Dot;
import io.kvorum.core.DotSource;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Scheduler;
import io.kvorum.core.Seams;
import io.kvorum.core.TooManySiblingsException;
import io.kvorum.core.VersionVector;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.core.protocol.PutResponse;
import io.kvorum.ring.Membership;
import io.kvorum.ring.WritePlan;
import io.kvorum.storage.Durability;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client's write or delete, coordinated here: where it goes and how many acknowledgements it
 * needs is the {@link WritePlan}; this class carries the plan out.
 *
 * <p><b>Order.</b> Refused before anything is sent (nothing applied, nothing on the wire) when the
 * request is invalid or the plan is unsatisfiable. Otherwise, one at a time per key on a storage
 * thread: read the local records, take the next dot, make the record with the client's context,
 * apply it locally, and send it with the local records it does not supersede
 * ({@link Causality#survivorsToShip}) to the other up targets. A write that would leave the key
 * more siblings than {@code request.max_siblings_per_key} is refused at that point, before its
 * record is applied anywhere. The local apply is one
 * acknowledgement; success after the plan's required count. The response carries the context
 * after the write.
 *
 * <p><b>Why the queue and the survivors.</b> The next write of the key must see this one's record to
 * ship it, so the read-dot-apply step is serialised per key ({@link KeyQueues}, which holds no
 * thread while a write waits, so a hot key cannot stall the others); and a replica must
 * never hold an actor's later dot without the earlier concurrent record, or a reader there would
 * get a context claiming a record it never saw (DESIGN.md, Data model).
 *
 * <p><b>When this replica cannot take it.</b> A write whose local apply fails for the store's sake
 * (a full disk) goes to another home replica to coordinate, since nothing was sent yet; one whose
 * local records of the key are partly unreadable (a damaged block) is refused at once, since
 * shipping a new record without all the survivors could lose them: the key's next read restores
 * this replica.
 *
 * <p>A request at a node that is not a home replica goes to the {@link Forwarder}.
 */
final class WritePath {
    private final NodeId self;
    private final MessageBus bus;
    private final Scheduler scheduler;
    private final Clock clock;
    private final DotSource dots;
    private final ReplicaStore store;
    private final Membership membership;
    private final int replicationFactor;
    private final int maxSiblings;
    private final RequestChecks checks;
    private final KeyQueues keyQueues;
    private final Forwarder forwarder;
    private final Coordinator.Stats stats;
    private final HintSink hints;
    private final boolean sloppyByDefault;
    private final Executor storage;

    WritePath(Seams seams, DotSource dots, ReplicaStore store, Membership membership, CoordinatorOptions options,
              Forwarder forwarder, Coordinator.Stats stats, HintSink hints) {
        this.self = seams.self();
        this.bus = seams.bus();
        this.scheduler = seams.scheduler();
        this.clock = seams.clock();
        this.dots = dots;
        this.store = store;
        this.membership = membership;
        this.replicationFactor = options.replicationFactor();
        this.maxSiblings = options.maxSiblings();
        this.checks = new RequestChecks(options);
        this.keyQueues = new KeyQueues(seams.storage());
        this.forwarder = forwarder;
        this.stats = stats;
        this.hints = hints;
        this.sloppyByDefault = options.sloppyWrites();
        this.storage = seams.storage();
    }

    /** @param forwarded whether another node forwarded this request here (then it is not forwarded again) */
    CompletableFuture<PutResponse> put(PutRequest request, boolean forwarded) {
        Key key;
        WriteOptions options;
        VersionVector context;
        int n;
        try {
            key = request.keyObject();
            options = request.options();
            n = options.effectiveN(replicationFactor);
            checks.checkKeyAndTimeout(key, options.timeoutMs());
            if (request.value() != null) {
                checks.checkValue(key, request.value().length);
            }
            context = request.context().length == 0 ? VersionVector.EMPTY : ContextCodec.decode(request.context());
        } catch (CorruptDataException e) {
            return CompletableFuture.failedFuture(new InvalidRequestException("the write's context is not one a read"
                    + " returned (" + e.getMessage() + ")"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(RequestChecks.asRequestError(e));
        }
        String what = request.isDelete() ? "delete" : "write";
        WritePlan plan = WritePlan.of(membership.ring(), membership.pendingRing(), key, n, options.w(), self,
                membership::isUp, options.isSloppy(sloppyByDefault));
        if (!plan.isHomeReplica(self)) {
            return forwarder.forward(plan.homeReplicas(), forwarded, new CoordinatePut(request), PutResponse.class,
                    options.timeoutMs(), "write");
        }
        stats.writes.increment();
        if (!plan.isSatisfiable()) {
            stats.unavailable.increment();
            return CompletableFuture.failedFuture(plan.unavailable(what));
        }
        long timeoutMs = options.timeoutMs();
        List<NodeId> up = plan.upTargets();
        QuorumRound<Boolean> round = new QuorumRound<>(plan.required(), up.size(),
                QuorumRound.Shortfall.of(what, timeoutMs, true, stats.timeouts));
        Scheduler.Cancellable deadline = scheduler.schedule(round::expire, timeoutMs, TimeUnit.MILLISECONDS);
        round.settled().thenRun(deadline::cancel);

        Durability durability = ReplicaHandlers.durability(options.isDurable());
        CompletableFuture<List<Record>> written = keyQueues.submit(key,
                () -> writeLocally(key, context, request.value(), durability));
        written.whenComplete((shipped, error) -> {
            if (error != null) {
                round.fail(self, Futures.unwrap(error));
                return;
            }
            round.reply(self, true);
            ReplicaWrite message = new ReplicaWrite(shipped, options.isDurable());
            round.settled().thenAccept(acks -> keepHints(plan, acks.keySet(), shipped, durability));
            for (NodeId replica : up) {
                if (!replica.equals(self)) {
                    NodeId standsInFor = plan.fallbacks().get(replica);
                    Message sent = standsInFor == null ? message
                            : new HintedWrite(shipped, options.isDurable(), standsInFor);
                    bus.request(replica, sent, ReplicaWriteAck.class, timeoutMs).whenComplete((ack, e) -> {
                        if (e == null) {
                            round.reply(replica, true);
                        } else {
                            round.fail(replica, Futures.unwrap(e));
                        }
                    });
                }
            }
        });
        CompletableFuture<PutResponse> acknowledged = round.quorum().thenCombine(written,
                (acks, shipped) -> new PutResponse(ContextCodec.encode(Causality.join(shipped))));
        // A write refused or failed here (too many siblings, this replica's records of the key partly
        // unreadable, its store unable to write) is answered at once, rather than waiting for a
        // quorum that can no longer form: nothing was sent to the other replicas.
        return written.handle((shipped, error) -> {
            Throwable cause = error == null ? null : Futures.unwrap(error);
            if (cause instanceof TooManySiblingsException refused) {
                return CompletableFuture.<PutResponse>failedFuture(refused);
            }
            if (cause instanceof StorageException unwritable) {
                return unwritableHere(request, forwarded, plan, key, what, unwritable, options.timeoutMs());
            }
            if (cause instanceof CorruptDataException damaged) {
                return CompletableFuture.<PutResponse>failedFuture(new CorruptDataException(what + " of key " + key
                        + " refused by its coordinator " + self + ", whose records of the key are partly unreadable ("
                        + damaged.getMessage() + "); nothing was written. Shipping a new record without all the"
                        + " ones it must carry along could lose them; a read of the key restores this replica, and"
                        + " the write can be retried after it", damaged));
            }
            return acknowledged;
        }).thenCompose(f -> f);
    }

    /**
     * The answer to a write this replica could not apply (its disk is full, or its store stopped):
     * nothing was sent to the other replicas, so another home replica that is up coordinates it
     * instead, as if the client had asked that one; one node's full disk then costs the writes routed
     * to it nothing while the others can make the quorum. A forwarded write, or one with no other
     * replica up, fails at once naming this node, rather than waiting for a quorum that cannot form.
     * The dot this attempt took is never used: no record anywhere has it, so nothing is lost when a
     * later dot's context covers it.
     */
    private CompletableFuture<PutResponse> unwritableHere(PutRequest request, boolean forwarded, WritePlan plan,
                                                          Key key, String what, StorageException unwritable,
                                                          long timeoutMs) {
        List<NodeId> others = new ArrayList<>();
        for (NodeId replica : plan.homeReplicas()) {
            if (!replica.equals(self) && membership.isUp(replica)) {
                others.add(replica);
            }
        }
        if (!forwarded && !others.isEmpty()) {
            return forwarder.forward(others, false, new CoordinatePut(request), PutResponse.class, timeoutMs, what);
        }
        return CompletableFuture.failedFuture(new StorageException(what + " of key " + key + " failed on its"
                + " coordinator " + self + " before anything was sent: " + unwritable.getMessage(), unwritable));
    }

    /**
     * Once the write's round has settled, keeps a hint here for each target that did not take it:
     * down (not sent to), failed or too slow, unless a fallback acknowledged a hint for it. Strict
     * writes get hints too, so a replica that was down receives the write when it returns
     * (Cassandra does the same); whatever the hints miss, anti-entropy repairs.
     */
    private void keepHints(WritePlan plan, Set<NodeId> acknowledged, List<Record> shipped, Durability durability) {
        List<NodeId> missed = new ArrayList<>();
        for (NodeId target : plan.targets()) {
            if (!target.equals(self) && !acknowledged.contains(target)) {
                missed.add(target);
            }
        }
        plan.fallbacks().forEach((fallback, replica) -> {
            if (acknowledged.contains(fallback)) {
                missed.remove(replica);
            }
        });
        if (missed.isEmpty()) {
            return;
        }
        storage.execute(() -> {
            for (NodeId target : missed) {
                try {
                    if (hints.add(target, shipped, durability)) {
                        stats.hintsKept.increment();
                    } else {
                        stats.hintsRefused.increment();
                    }
                } catch (RuntimeException e) {
                    // The store logs its own failures; the write's outcome is already decided.
                    stats.hintsRefused.increment();
                }
            }
        });
    }

    /**
     * Makes the write's record and applies it here; returns it followed by the local records it does
     * not supersede, which is what the other targets are sent. A null value is a delete.
     */
    private List<Record> writeLocally(Key key, VersionVector context, byte[] value, Durability durability) {
        List<Record> local = store.read(key);
        Dot dot = dots.nextDot();
        Record record = value == null
                ? Record.tombstone(key, dot, context, clock.nowMillis())
                : Record.value(key, dot, context, clock.nowMillis(), value);
        List<Record> survivors = Causality.survivorsToShip(local, record);
        if (survivors.size() + 1 > maxSiblings) {
            throw new TooManySiblingsException(key, survivors.size(), maxSiblings,
                    CoordinatorOptions.MAX_SIBLINGS.key());
        }
        List<Record> shipped = new ArrayList<>(survivors.size() + 1);
        shipped.add(record);
        shipped.addAll(survivors);
        store.apply(List.of(record), durability);
        return shipped;
    }
}
