package io.kvorum.hints;

import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWriteAck;
import io.kvorum.core.Agent;
import io.kvorum.core.Clock;
import io.kvorum.core.Key;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Setting;
import io.kvorum.core.Settings;
import io.kvorum.ring.ClusterMembership;
import io.kvorum.ring.MemberStatus;
import io.kvorum.storage.lsm.LsmSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each target's hints to it once the failure detector sees it up (issue 10): one batch per
 * target at a time, read from the {@link HintStore}, sent as a few durable {@link ReplicaWrite}s (the
 * same union any replica write is), and acknowledged in the store only once the target has acknowledged
 * every hint of the batch. So a crash of either side loses nothing: the store resumes from its
 * last durable acknowledgement, and a hint delivered twice is applied twice, harmlessly.
 *
 * <p>Hints for a node that left or was removed go to the current replicas of their keys instead:
 * the ranges it held have moved there.
 *
 * <p>A hint older than {@code storage.tombstone_gc_grace_ms} is dropped, not delivered: the target may
 * have purged a tombstone that superseded it, and the hint would bring the deleted value back (the
 * expiry Cassandra gives hints for the same reason). Repair heals what such a hint carried.
 *
 * <p>An {@link io.kvorum.core.Agent}: each {@link #doWork} starts at most one batch per target and
 * never waits for the network; the answers complete the batch. Pacing is a byte budget refilled at
 * {@code bytesPerSecond}, so a returning node takes its hints without starving foreground requests.
 */
public final class HintDelivery implements Agent {
    private static final Logger log = LoggerFactory.getLogger(HintDelivery.class);

    /**
     * 1 MiB/s by default, Cassandra's hint throttle. Measured on a 2-core machine with three nodes
     * (HintReplayMeasure): two peers replaying 10,000 4 KiB hints took 26 s at 1 MiB/s each and 6 s at
     * 4 MiB/s, and foreground QUORUM p99 rose 1.6-4.1-fold at 1 MiB/s, 4.5-5.2-fold at 4 MiB/s, where
     * foreground throughput fell to a fifth.
     */
    public static final Setting<Long> BYTES_PER_SECOND = Setting.bytes("hints.delivery_bytes_per_second",
            1024L * 1024, 1024, 1024L * 1024 * 1024, "How fast a node hands stored hints to the nodes they are"
                    + " for, all of them together, so that a returning node catches up without starving requests.");

    public static final Setting<Long> BATCH_BYTES = Setting.bytes("hints.delivery_batch_bytes", 256 * 1024, 1024,
            16L * 1024 * 1024, "The most hints, in bytes, sent to one node at a time; the next batch follows once"
                    + " it has acknowledged them all. Below transport.max_frame_bytes.");

    public static final Setting<Long> TIMEOUT_MS = Setting.millis("hints.delivery_timeout_ms", 10_000, 100, 600_000,
            "How long a node has to acknowledge a batch of hints; an unacknowledged batch is sent again.");

    public static final List<Setting<?>> SETTINGS = List.of(BYTES_PER_SECOND, BATCH_BYTES, TIMEOUT_MS);

    /**
     * How fast, in what batches and with what patience hints are delivered, and the age
     * ({@code storage.tombstone_gc_grace_ms}) past which a hint is dropped instead.
     */
    public record Options(long bytesPerSecond, int batchBytes, long timeoutMs, long maxAgeMs) {
        public Options {
            BYTES_PER_SECOND.validate(bytesPerSecond);
            BATCH_BYTES.validate((long) batchBytes);
            TIMEOUT_MS.validate(timeoutMs);
            LsmSettings.TOMBSTONE_GC_GRACE_MS.validate(maxAgeMs);
        }

        public static Options defaults() {
            return fromSettings(Settings.empty());
        }

        public static Options fromSettings(Settings settings) {
            return new Options(settings.get(BYTES_PER_SECOND), Math.toIntExact(settings.get(BATCH_BYTES)),
                    settings.get(TIMEOUT_MS), settings.get(LsmSettings.TOMBSTONE_GC_GRACE_MS));
        }
    }

    private final HintStore store;
    private final ClusterMembership membership;
    private final MessageBus bus;
    private final Clock clock;
    private final int replicationFactor;
    private final long bytesPerSecond;
    private final int batchBytes;
    private final long timeoutMs;
    private final long maxAgeMs;
    private final Set<NodeId> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<NodeId> paused = ConcurrentHashMap.newKeySet();
    private final Map<NodeId, Progress> progress = new ConcurrentHashMap<>();

    /** Hints delivered to one target in this run, and over what time, for its rate. */
    private static final class Progress {
        private long hints;
        private long firstStartNanos = -1;
        private long lastDoneNanos;

        synchronized void started(long nanos) {
            if (firstStartNanos < 0) {
                firstStartNanos = nanos;
            }
        }

        synchronized void done(long count, long nanos) {
            hints += count;
            lastDoneNanos = nanos;
        }

        synchronized long hints() {
            return hints;
        }

        synchronized double perSecond() {
            long elapsed = lastDoneNanos - firstStartNanos;
            return hints == 0 || elapsed <= 0 ? 0 : hints * 1e9 / elapsed;
        }
    }
    private double budgetBytes;
    private long lastRefillNanos;
    private volatile Runnable onBatchDone = () -> { };

    /** @param replicationFactor how many replicas now take the hints of a node that left */
    public HintDelivery(HintStore store, ClusterMembership membership, MessageBus bus, Clock clock,
                        int replicationFactor, Options options) {
        this.store = store;
        this.membership = membership;
        this.bus = bus;
        this.clock = clock;
        this.replicationFactor = replicationFactor;
        this.bytesPerSecond = options.bytesPerSecond();
        this.batchBytes = options.batchBytes();
        this.timeoutMs = options.timeoutMs();
        this.maxAgeMs = options.maxAgeMs();
        this.budgetBytes = batchBytes;
        this.lastRefillNanos = clock.nanoTime();
    }

    @Override
    public String name() {
        return "hint-delivery";
    }

    @Override
    public int doWork() {
        refill();
        int started = 0;
        for (NodeId target : store.targets()) {
            if (budgetBytes < 1) {
                break;
            }
            if (paused.contains(target) || inFlight.contains(target) || !deliverable(target)) {
                continue;
            }
            HintBatch batch = store.next(target, HintCursor.START, batchBytes);
            if (batch.isEmpty()) {
                continue;
            }
            budgetBytes -= bytes(batch);
            inFlight.add(target);
            started++;
            Progress p = progress.computeIfAbsent(target, t -> new Progress());
            p.started(clock.nanoTime());
            long expiredBefore = clock.nowMillis() - maxAgeMs;
            List<Hint> fresh = new ArrayList<>(batch.hints().size());
            for (Hint hint : batch.hints()) {
                if (hint.createdAtMillis() >= expiredBefore) {
                    fresh.add(hint);
                }
            }
            long expired = batch.hints().size() - fresh.size();
            send(target, fresh).whenComplete((v, e) -> {
                try {
                    if (e == null) {
                        store.acknowledge(target, batch.end(), expired);
                        p.done(fresh.size(), clock.nanoTime());
                    } else {
                        log.debug("Delivering hints to {} failed: {}", target, e.getMessage());
                    }
                } finally {
                    inFlight.remove(target);
                    onBatchDone.run();
                }
            });
        }
        return started;
    }

    /** A target gets its hints when up; a retired one's go to its keys' replicas now, whenever they are up. */
    private boolean deliverable(NodeId target) {
        Optional<MemberStatus> status = membership.status(target);
        return status.map(MemberStatus::isRetired).orElse(false) || membership.isUp(target);
    }

    /**
     * Sends the hints as few durable writes as it can, so that the target fsyncs once per message
     * rather than once per hint: consecutive hints share a message until one names a key already in
     * it. One hint per key per message keeps every message within the sibling limit a replica
     * enforces, since each hint was within it when it was kept.
     */
    private CompletableFuture<Void> send(NodeId target, List<Hint> hints) {
        boolean retired = membership.status(target).map(MemberStatus::isRetired).orElse(false);
        Map<NodeId, List<Record>> open = new HashMap<>();
        Map<NodeId, Set<Key>> openKeys = new HashMap<>();
        List<CompletableFuture<ReplicaWriteAck>> acks = new ArrayList<>();
        for (Hint hint : hints) {
            if (hint.records().isEmpty()) {
                continue;
            }
            Key key = hint.records().get(0).key();
            for (NodeId destination : retired ? currentReplicas(hint.records()) : List.of(target)) {
                Set<Key> keys = openKeys.computeIfAbsent(destination, d -> new HashSet<>());
                if (!keys.add(key)) {
                    acks.add(write(destination, open.remove(destination)));
                    keys.clear();
                    keys.add(key);
                }
                open.computeIfAbsent(destination, d -> new ArrayList<>()).addAll(hint.records());
            }
        }
        open.forEach((destination, records) -> acks.add(write(destination, records)));
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<ReplicaWriteAck> write(NodeId destination, List<Record> records) {
        return bus.request(destination, new ReplicaWrite(records, true), ReplicaWriteAck.class, timeoutMs);
    }

    /** The replicas now of the key a hint's records belong to (one key per hint). */
    private List<NodeId> currentReplicas(List<Record> records) {
        return records.isEmpty() ? List.of()
                : membership.ring().preferenceList(records.get(0).key(), replicationFactor);
    }

    private static long bytes(HintBatch batch) {
        long total = 0;
        for (Hint h : batch.hints()) {
            for (Record r : h.records()) {
                total += r.key().length() + (r.value() == null ? 0 : r.value().length) + 64;
            }
        }
        return total;
    }

    private void refill() {
        long now = clock.nanoTime();
        budgetBytes = Math.min(batchBytes + (double) bytesPerSecond, budgetBytes
                + (now - lastRefillNanos) / 1e9 * bytesPerSecond);
        lastRefillNanos = now;
    }

    /**
     * Runs {@code action} each time a batch completes, acknowledged or not: the owner's runner wakes
     * to start the next one at once, since a target takes one batch at a time and its answer, not a
     * timer, says when the next may go.
     */
    public void onBatchDone(Runnable action) {
        this.onBatchDone = action;
    }

    /** Stops delivering to {@code target} until {@link #resume}; its hints stay stored. */
    public void pause(NodeId target) {
        paused.add(target);
    }

    public void resume(NodeId target) {
        paused.remove(target);
    }

    public boolean isPaused(NodeId target) {
        return paused.contains(target);
    }

    /** Hints delivered to {@code target} since this node started. */
    public long delivered(NodeId target) {
        Progress p = progress.get(target);
        return p == null ? 0 : p.hints();
    }

    /** Hints per second delivered to {@code target} while this run has been delivering to it; 0 before. */
    public double deliveryRate(NodeId target) {
        Progress p = progress.get(target);
        return p == null ? 0 : p.perSecond();
    }
}
