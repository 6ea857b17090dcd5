package io.kvorum.ringchanges;

import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Scheduler;
import io.kvorum.ring.ClusterMembership;
import io.kvorum.ring.MemberStatus;
import io.kvorum.ring.RangeMovements;
import io.kvorum.ring.RangeMovements.Movement;
import io.kvorum.ring.Ring;
import io.kvorum.ring.TokenAllocator;
import io.kvorum.ringchanges.RingChangeMessages.FetchDone;
import io.kvorum.ringchanges.RingChangeMessages.FetchRanges;
import io.kvorum.streaming.RangeStreamer;
import io.kvorum.streaming.StreamSession;
import io.kvorum.streaming.StreamSummary;
import io.kvorum.streaming.StreamTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ring changes a node runs: joining the cluster, decommissioning itself, and removing a dead
 * member. Each is the same four steps, after Cassandra's bootstrap and decommission:
 * <ol>
 *   <li>announce the change in gossip (JOINING with new tokens, LEAVING, or REMOVING on the dead
 *       member's behalf), which puts the gaining replicas into every node's pending ring so that
 *       writes reach them from then on;</li>
 *   <li>wait until every live member has that status ({@link ClusterMembership#awaitSeenByLiveMembers}),
 *       then wait {@code graceMs} more: a write coordinated just before a member learned of the
 *       change may still be in flight, and no request lives longer than the longest request timeout,
 *       which grace must cover;</li>
 *   <li>stream: every node that gains a range pulls it from all of the range's live replicas and
 *       merges by union ({@link RangeMovements}, {@link RangeStreamer}), so it holds every write a
 *       quorum acknowledged before the change, while step 1 brings it every write after;</li>
 *   <li>complete the change in gossip (NORMAL, LEFT, or REMOVED).</li>
 * </ol>
 * A failed stream leaves the status where it was (JOINING, LEAVING, REMOVING); running the same
 * change again resumes it: a node whose pull failed resumes that session from its cursors when
 * asked for the same ranges from the same sources, and otherwise pulls again, which union makes
 * harmless. A joining node that restarts resumes its join with the tokens it announced.
 *
 * <p>Only one change at a time runs on a node; across the cluster, operators run one at a time (as
 * with Cassandra), because two concurrent changes would each compute movements against a pending
 * ring the other is also changing.
 */
public final class RingChanges {
    private static final Logger log = LoggerFactory.getLogger(RingChanges.class);
    private static final long POLL_MS = 200;

    /**
     * @param graceMs wait after every live member has seen a change, before streaming: at least the
     *     longest timeout a request may have
     * @param settleTimeoutMs how long a joining node waits to learn the ring, and a change waits for
     *     every live member to see it
     * @param fetchTimeoutMs how long a node that asked another to pull its ranges waits for it
     */
    public record Options(int replicationFactor, int numTokens, long graceMs, long settleTimeoutMs,
                          long fetchTimeoutMs, long retiredRetentionMs) {
        /** A minute: a joining node that has not heard a stable ring by then has not reached its seeds. */
        public static final long DEFAULT_SETTLE_TIMEOUT_MS = 60_000;
        /**
         * Six hours: how long a node that asked another to pull ranges waits for it. A pull streams a
         * whole node's share, throttled to {@code streaming.bytes_per_second}, so this bounds only a
         * stuck pull, not a slow one (about a terabyte at the default 64 MiB/s).
         */
        public static final long DEFAULT_FETCH_TIMEOUT_MS = 6 * 3600 * 1000L;

        public Options {
            Checks.requirePositive(replicationFactor, "replication factor");
            Checks.requirePositive(numTokens, "num tokens");
            Checks.require(graceMs >= 0, "grace ms", graceMs, ">= 0");
            Checks.requirePositive(settleTimeoutMs, "settle timeout ms");
            Checks.requirePositive(fetchTimeoutMs, "fetch timeout ms");
            Checks.requirePositive(retiredRetentionMs, "retired retention ms");
        }
    }

    private final ClusterMembership membership;
    private final RangeStreamer streamer;
    private final MessageBus bus;
    private final Scheduler scheduler;
    private final Clock clock;
    private final RandomSource random;
    private final Options options;
    private final AtomicReference<String> running = new AtomicReference<>();
    /** Streams of changes that failed, by description, to resume when the change runs again. */
    private final Map<String, StreamSession> unfinished = new ConcurrentHashMap<>();

    public RingChanges(ClusterMembership membership, RangeStreamer streamer, MessageBus bus, Scheduler scheduler,
                       Clock clock, RandomSource random, Options options) {
        this.membership = membership;
        this.streamer = streamer;
        this.bus = bus;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.options = options;
    }

    public void registerHandlers() {
        bus.handle(FetchRanges.class, (from, fetch) -> {
            log.info("Pulling {} range(s) for {}, as {} asked", fetch.tasks().size(), fetch.description(), from);
            return pullOrResume(fetch.description(), fetch.tasks())
                    .thenApply(summary -> new FetchDone(summary.records(), summary.bytes()));
        });
    }

    /** The change running on this node, if any, for status displays. */
    public Optional<String> running() {
        return Optional.ofNullable(running.get());
    }

    /**
     * Joins the cluster: learns the ring from the seeds, takes balanced tokens (or the ones a
     * previous attempt announced), streams the ranges they gain, and becomes NORMAL.
     *
     * @param previousTokens tokens announced by an earlier, interrupted join; empty for a new node
     * @return the tokens this node owns
     */
    public CompletableFuture<List<Long>> join(List<Long> previousTokens) {
        NodeId self = membership.self();
        return begin("join of " + self, () -> awaitRingKnown()
                .thenCompose(ring -> {
                    List<Long> tokens = previousTokens.isEmpty() ? newTokens(ring) : previousTokens;
                    log.info("Joining a ring of {} members with {} tokens", ring.size(), tokens.size());
                    membership.setStatus(MemberStatus.JOINING, tokens);
                    return announced(self)
                            .thenCompose(v -> stream("join of " + self, self))
                            .thenApply(v -> {
                                membership.setStatus(MemberStatus.NORMAL, tokens);
                                log.info("Joined: NORMAL with {} tokens, owning {}% of the ring", tokens.size(),
                                        String.format("%.1f", 100 * membership.ring().ownership().getOrDefault(self, 0.0)));
                                return tokens;
                            });
                }));
    }

    /** Balanced tokens for this node joining {@code ring}, placed by its rack when the ring has racks. */
    private List<Long> newTokens(Ring ring) {
        String rack = membership.rack(membership.self()).orElse("");
        return ring.hasRacks() && !rack.isEmpty()
                ? TokenAllocator.allocate(ring, options.numTokens(), options.replicationFactor(), rack, random)
                : TokenAllocator.allocate(ring, options.numTokens(), options.replicationFactor(), random);
    }

    /**
     * Decommissions this node: LEAVING, the nodes that inherit its ranges pull them, then LEFT. The
     * caller stops the node once the future completes.
     */
    public CompletableFuture<Void> decommission() {
        NodeId self = membership.self();
        Ring ring = membership.ring();
        if (!ring.contains(self)) {
            return CompletableFuture.failedFuture(new IllegalStateException(self + " owns no ranges to hand over"));
        }
        if (ring.size() - 1 < options.replicationFactor()) {
            return CompletableFuture.failedFuture(new IllegalStateException("decommissioning " + self + " would leave "
                    + (ring.size() - 1) + " nodes, fewer than the replication factor " + options.replicationFactor()));
        }
        List<Long> tokens = ring.tokensOf(self);
        return begin("decommission of " + self, () -> {
            membership.setStatus(MemberStatus.LEAVING, tokens);
            return announced(self)
                    .thenCompose(v -> fetchEverywhere("decommission of " + self, null))
                    .thenCompose(v -> {
                        membership.setRetired(MemberStatus.LEFT, clock.nowMillis() + options.retiredRetentionMs());
                        // Stay until every live member knows: a node that vanished while LEAVING would look
                        // dead, not gone. Best effort: a member that misses it learns it from the others.
                        return membership.awaitSeenByLiveMembers(self, POLL_MS, options.settleTimeoutMs())
                                .exceptionally(e -> {
                                    log.warn("Not every member confirmed the departure: {}", e.getMessage());
                                    return null;
                                });
                    })
                    .thenApply(v -> {
                        log.info("Decommissioned: LEFT; its ranges are on their new replicas");
                        return null;
                    });
        });
    }

    /** Removes a dead member: REMOVING on its behalf, its ranges restored from their surviving replicas, then REMOVED. */
    public CompletableFuture<Void> removeNode(NodeId dead) {
        Ring ring = membership.ring();
        if (dead.equals(membership.self())) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("a node cannot remove itself;"
                    + " decommission it instead"));
        }
        if (!ring.contains(dead)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(dead + " is not a member owning ranges"
                    + " (members: " + ring.nodes() + ")"));
        }
        if (membership.isUp(dead)) {
            return CompletableFuture.failedFuture(new IllegalStateException(dead + " is up; decommission a live node"
                    + " instead of removing it"));
        }
        return begin("removal of " + dead, () -> {
            if (membership.status(dead).orElse(null) != MemberStatus.REMOVING) {
                membership.markRemoving(dead);
            }
            return announced(dead)
                    .thenCompose(v -> fetchEverywhere("removal of " + dead, dead))
                    .thenApply(v -> {
                        membership.markRemoved(dead, clock.nowMillis() + options.retiredRetentionMs());
                        log.info("Removed {}: its ranges are back to {} replicas", dead, options.replicationFactor());
                        return null;
                    });
        });
    }

    private <T> CompletableFuture<T> begin(String what, java.util.function.Supplier<CompletableFuture<T>> change) {
        if (!running.compareAndSet(null, what)) {
            return CompletableFuture.failedFuture(new IllegalStateException("cannot start the " + what + ": the "
                    + running.get() + " is running"));
        }
        log.info("Starting the {}", what);
        CompletableFuture<T> result;
        try {
            result = change.get();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.whenComplete((v, e) -> {
            running.set(null);
            if (e != null) {
                log.warn("The {} failed: {}; running it again resumes it", what, e.getMessage());
            }
        });
    }

    /** Step 2: every live member has the new status, and grace has passed. */
    private CompletableFuture<Void> announced(NodeId node) {
        return membership.awaitSeenByLiveMembers(node, POLL_MS, options.settleTimeoutMs())
                .thenCompose(v -> delay(options.graceMs()));
    }

    /** This node pulls what it gains between the ring and the pending ring. */
    private CompletableFuture<Void> stream(String description, NodeId self) {
        List<StreamTask> tasks = tasksFor(self, null);
        if (tasks.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return pullOrResume(description, tasks).thenApply(s -> null);
    }

    /**
     * Pulls {@code tasks}, or, when the same change failed before with the same tasks, resumes that
     * session: only the units it had not finished, from their cursors.
     */
    private CompletableFuture<StreamSummary> pullOrResume(String description, List<StreamTask> tasks) {
        StreamSession previous = unfinished.get(description);
        StreamSession session;
        CompletableFuture<StreamSummary> done;
        if (previous != null && previous.tasks().equals(tasks)) {
            log.info("Resuming the unfinished stream of the {}", description);
            session = previous;
            done = previous.resume();
        } else {
            session = streamer.pull(description, tasks);
            done = session.done();
        }
        return done.whenComplete((summary, e) -> {
            if (e == null) {
                unfinished.remove(description);
            } else {
                unfinished.put(description, session);
            }
        });
    }

    /** Every node that gains ranges is asked to pull them; completes when all have. */
    private CompletableFuture<Void> fetchEverywhere(String description, NodeId excludedSource) {
        Map<NodeId, List<StreamTask>> byDestination = new LinkedHashMap<>();
        for (Movement m : RangeMovements.between(membership.ring(), membership.pendingRing(),
                options.replicationFactor())) {
            byDestination.computeIfAbsent(m.destination(), d -> new ArrayList<>())
                    .add(task(m, m.destination(), excludedSource));
        }
        List<CompletableFuture<?>> fetches = new ArrayList<>();
        for (Map.Entry<NodeId, List<StreamTask>> e : byDestination.entrySet()) {
            NodeId destination = e.getKey();
            CompletableFuture<?> fetch = destination.equals(membership.self())
                    ? pullOrResume(description, e.getValue())
                    : bus.request(destination, new FetchRanges(description, e.getValue()), FetchDone.class,
                            options.fetchTimeoutMs());
            fetches.add(fetch.exceptionally(error -> {
                throw new IllegalStateException(destination + " could not pull its ranges: " + error.getMessage(),
                        error);
            }));
        }
        log.info("The {} moves ranges to {} node(s)", description, byDestination.size());
        return CompletableFuture.allOf(fetches.toArray(new CompletableFuture<?>[0]));
    }

    private List<StreamTask> tasksFor(NodeId destination, NodeId excludedSource) {
        List<StreamTask> tasks = new ArrayList<>();
        for (Movement m : RangeMovements.between(membership.ring(), membership.pendingRing(),
                options.replicationFactor())) {
            if (m.destination().equals(destination)) {
                tasks.add(task(m, destination, excludedSource));
            }
        }
        return tasks;
    }

    /** The movement's live sources; a range no live replica holds cannot be restored, and fails the change. */
    private StreamTask task(Movement m, NodeId destination, NodeId excludedSource) {
        List<NodeId> sources = new ArrayList<>();
        for (NodeId s : m.sources()) {
            if (!s.equals(destination) && !s.equals(excludedSource) && membership.isUp(s)) {
                sources.add(s);
            }
        }
        if (sources.isEmpty()) {
            throw new IllegalStateException("no live replica holds " + m.range() + " (its replicas " + m.sources()
                    + " are down); bring one back and run the change again");
        }
        return new StreamTask(m.range(), sources);
    }

    /** Step 0 of a join: the ring from the seeds, once the member set has held still for three polls. */
    private CompletableFuture<Ring> awaitRingKnown() {
        CompletableFuture<Ring> known = new CompletableFuture<>();
        long deadline = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.settleTimeoutMs());
        pollRing(known, -1, 0, deadline);
        return known;
    }

    private void pollRing(CompletableFuture<Ring> known, int lastCount, int stable, long deadlineNanos) {
        Ring ring = membership.ring();
        int count = membership.knownMembers();
        int nowStable = count == lastCount ? stable + 1 : 0;
        if (!ring.isEmpty() && nowStable >= 3) {
            known.complete(ring);
            return;
        }
        if (clock.nanoTime() > deadlineNanos) {
            known.completeExceptionally(new IllegalStateException(ring.isEmpty()
                    ? "no cluster found through the seeds within " + options.settleTimeoutMs() + " ms"
                    : "membership kept changing for " + options.settleTimeoutMs() + " ms"));
            return;
        }
        scheduler.schedule(() -> pollRing(known, count, nowStable, deadlineNanos), 5 * POLL_MS, TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<Void> delay(long ms) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (ms == 0) {
            done.complete(null);
        } else {
            scheduler.schedule(() -> done.complete(null), ms, TimeUnit.MILLISECONDS);
        }
        return done;
    }
}
