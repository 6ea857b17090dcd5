package io.kvorum.coordinator;

import io.kvorum.coordinator.CoordinatorMessages.CoordinateGet;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaReadResult;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaRestore;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.core.Causality;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Key;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.Record;
import io.kvorum.core.Scheduler;
import io.kvorum.core.Seams;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.GetResponse;
import io.kvorum.ring.Membership;
import io.kvorum.ring.ReadPlan;
import io.kvorum.storage.Durability;
import io.kvorum.storage.KeyRead;
import io.kvorum.storage.ReplicaStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A client's read, coordinated here: ask the key's replicas that are up ({@link ReadPlan}), answer
 * after R of them with the union of their replies resolved, and repair the stale ones afterwards.
 *
 * <p><b>Why repair waits for the settle.</b> The answer goes out at R, but repairs are computed only
 * once every replica asked has answered or the deadline has passed ({@link QuorumRound#settled}):
 * a replica that answers after the quorum may hold the newest record, and repairing from the
 * first R alone would leave the others without it, or send a late one only part of the merge.
 * What to send is a pure function of the replies ({@link ReadRepair}); sending is fire and forget,
 * since anti-entropy heals a repair that is lost.
 *
 * <p><b>Damaged replicas.</b> A replica that could read only part of its records of the key (a
 * damaged block in its store) answers with what it has, marked incomplete. Its records are merged
 * into the answer but it never counts toward R, so a quorum read past one damaged replica of three
 * succeeds on the other two, and a read at R=ALL fails as corruption naming it. Once the replies
 * settle it is restored ({@link ReadRepair}), whichever node it is, this one included; later reads
 * of the key count it again.
 *
 * <p>Refused before anything is sent when the request is invalid or fewer than R replicas are up;
 * a request at a node that is not a replica goes to the {@link Forwarder}.
 */
final class ReadPath {
    private final NodeId self;
    private final MessageBus bus;
    private final Scheduler scheduler;
    private final Executor storage;
    private final ReplicaStore store;
    private final Membership membership;
    private final int replicationFactor;
    private final int maxSiblings;
    private final RequestChecks checks;
    private final Forwarder forwarder;
    private final Coordinator.Stats stats;

    ReadPath(Seams seams, ReplicaStore store, Membership membership, CoordinatorOptions options, Forwarder forwarder,
             Coordinator.Stats stats) {
        this.self = seams.self();
        this.bus = seams.bus();
        this.scheduler = seams.scheduler();
        this.storage = seams.storage();
        this.store = store;
        this.membership = membership;
        this.replicationFactor = options.replicationFactor();
        this.maxSiblings = options.maxSiblings();
        this.checks = new RequestChecks(options);
        this.forwarder = forwarder;
        this.stats = stats;
    }

    /** @param forwarded whether another node forwarded this request here (then it is not forwarded again) */
    CompletableFuture<GetResponse> get(GetRequest request, boolean forwarded) {
        Key key;
        ReadOptions options;
        int n;
        try {
            key = request.keyObject();
            options = request.options();
            n = options.effectiveN(replicationFactor);
            checks.checkKeyAndTimeout(key, options.timeoutMs());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(RequestChecks.asRequestError(e));
        }
        ReadPlan plan = ReadPlan.of(membership.ring(), key, n, options.r(), self, membership::isUp);
        if (!plan.isReplica(self)) {
            return forwarder.forward(plan.replicas(), forwarded, new CoordinateGet(request), GetResponse.class,
                    options.timeoutMs(), "read");
        }
        stats.reads.increment();
        if (!plan.isSatisfiable()) {
            stats.unavailable.increment();
            return CompletableFuture.failedFuture(plan.unavailable());
        }
        long timeoutMs = options.timeoutMs();
        List<NodeId> up = plan.upReplicas();
        QuorumRound<KeyRead> round = new QuorumRound<>(plan.required(), up.size(),
                QuorumRound.Shortfall.of("read", timeoutMs, false, stats.timeouts));
        Scheduler.Cancellable deadline = scheduler.schedule(round::expire, timeoutMs, TimeUnit.MILLISECONDS);
        for (NodeId replica : up) {
            CompletableFuture<KeyRead> reply = replica.equals(self)
                    ? CompletableFuture.supplyAsync(() -> store.readAvailable(key), storage)
                    : bus.request(replica, new ReplicaRead(key), ReplicaReadResult.class, timeoutMs)
                            .thenApply(ReplicaReadResult::read);
            reply.whenComplete((read, error) -> {
                if (error != null) {
                    round.fail(replica, Futures.unwrap(error));
                } else if (read.isComplete()) {
                    round.reply(replica, read);
                } else {
                    stats.incompleteReplies.increment();
                    round.partial(replica, read, new CorruptDataException(read.damage()));
                }
            });
        }
        int restoreQuorum = n / 2 + 1;
        round.settled().thenAccept(replies -> {
            deadline.cancel();
            repair(key, replies, restoreQuorum);
        });
        return round.quorum().thenApply(replies -> {
            List<Record> all = new ArrayList<>();
            replies.values().forEach(read -> all.addAll(read.records()));
            return new GetResponse(Causality.resolve(all));
        });
    }

    /**
     * Sends each stale replica what it lacks, and each incomplete one its restore. A repair carrying
     * more of the key's records than the sibling limit (replicas that diverged while partitioned) is
     * not sent, since the replica would refuse it: the replicas stay apart until a client resolves the
     * siblings it read (an incomplete one stays incomplete until then).
     */
    private void repair(Key key, Map<NodeId, KeyRead> replies, int restoreQuorum) {
        ReadRepair.repairs(replies, restoreQuorum).forEach((replica, repair) -> {
            List<Record> records = repair.records();
            if (records.size() > maxSiblings) {
                stats.readRepairsOverLimit.increment();
                return;
            }
            stats.readRepairs.increment();
            if (replica.equals(self)) {
                CompletableFuture.runAsync(() -> {
                    if (repair.restores()) {
                        store.restore(key, records, Durability.PERIODIC);
                    } else {
                        store.apply(records, Durability.PERIODIC);
                    }
                }, storage);
            } else {
                bus.send(replica, repair.restores() ? new ReplicaRestore(key, records) : new ReplicaWrite(records, false));
            }
        });
    }
}
