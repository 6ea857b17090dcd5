package io.kvorum.gossip;

import io.kvorum.ring.MemberStatus;
import io.kvorum.core.Clock;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Scheduler;
import io.kvorum.ring.ClusterMembership;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Membership} from gossip: the members, their tokens and statuses as gossip spreads them,
 * and who is up as this node's failure detector believes.
 *
 * <p>Two rings are derived from the members' states whenever a status or token set changes: the
 * ring of members that own their ranges now ({@link MemberStatus#inRing}), which places reads, and
 * the pending ring of members that will own them once the changes under way complete
 * ({@link MemberStatus#inPendingRing}), which writes also go to. Listeners hear of a ring only when
 * it differs from the last one.
 *
 * <p>This node's own state is set through {@link #setStatus} and friends; the ring operations
 * (join, decommission, removal) drive them.
 */
public final class GossipMembership implements ClusterMembership {
    private static final Logger log = LoggerFactory.getLogger(GossipMembership.class);

    private final Gossiper gossiper;
    private final MessageBus bus;
    private final Scheduler scheduler;
    private final Clock clock;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<MemberStatus> retiredByPeers = new CompletableFuture<>();
    private volatile Views views = new Views(List.of(), Ring.empty(), Ring.empty(), Map.of());

    /** What the getters read: replaced whole on every change. */
    private record Views(List<Member> members, Ring ring, Ring pendingRing, Map<NodeId, Member> byNode) {
    }

    /**
     * @param generation this run's generation: higher than any earlier run's of this node (the start
     *     time in milliseconds serves)
     * @param local this node's initial application states (address, status, tokens and so on)
     */
    public GossipMembership(NodeId self, long generation, Map<AppState, String> local, MessageBus bus,
                            Scheduler scheduler, Clock clock, RandomSource random, GossipOptions options) {
        Objects.requireNonNull(local.get(AppState.ADDRESS), "local ADDRESS state");
        Objects.requireNonNull(local.get(AppState.STATUS), "local STATUS state");
        this.bus = bus;
        this.scheduler = scheduler;
        this.clock = clock;
        this.gossiper = new Gossiper(self, generation, local, bus, scheduler, clock, random, options,
                new Gossiper.Listener() {
                    @Override
                    public void statesChanged(List<Member> members, Set<NodeId> changed) {
                        update(members, changed);
                    }

                    @Override
                    public void upDownChanged(NodeId node, boolean up) {
                        for (Listener l : listeners) {
                            l.upDownChanged(node, up);
                        }
                    }

                    @Override
                    public void selfRetired(StatusValue status) {
                        log.error("The cluster says this node {} is {}: it left or was removed, and this is a later run"
                                + " of it on its old data directory. It must not serve; to bring the machine back,"
                                + " start it with an empty data directory so that it joins as a new node", self,
                                status.status());
                        retiredByPeers.complete(status.status());
                    }
                });
    }

    /** The states a node starts gossiping with. */
    public static Map<AppState, String> localStates(InetSocketAddress address, InetSocketAddress clientAddress,
                                                    String rack, MemberStatus status, Collection<Long> tokens,
                                                    int protocolVersion) {
        Map<AppState, String> states = new EnumMap<>(AppState.class);
        states.put(AppState.ADDRESS, Addresses.text(address));
        states.put(AppState.CLIENT_ADDRESS, Addresses.text(clientAddress));
        states.put(AppState.RACK, rack);
        states.put(AppState.TOKENS, Tokens.text(tokens));
        states.put(AppState.STATUS, StatusValue.of(status).text());
        states.put(AppState.PROTOCOL_VERSION, Integer.toString(protocolVersion));
        states.put(AppState.LOAD, "0");
        return states;
    }

    public void registerHandlers() {
        gossiper.registerHandlers();
    }

    /**
     * Learns members from a copy this node saved in an earlier run, so that it has a ring before
     * gossip brings one; any state gossip brings replaces them. Call before {@link #start}.
     */
    public void preload(List<Member> saved) {
        gossiper.preload(saved);
    }

    /** Starts gossiping; the bus must be started. */
    public void start() {
        gossiper.start();
    }

    public void stop() {
        gossiper.stop();
    }

    /**
     * Completes when peers say this node has left or been removed: a later run of a retired node,
     * which must stop rather than serve on a ring that no longer holds it.
     */
    public CompletableFuture<MemberStatus> retiredByPeers() {
        return retiredByPeers;
    }

    @Override
    public NodeId self() {
        return gossiper.self();
    }

    public long generation() {
        return gossiper.generation();
    }

    @Override
    public Ring ring() {
        return views.ring();
    }

    @Override
    public Ring pendingRing() {
        return views.pendingRing();
    }

    @Override
    public boolean isUp(NodeId node) {
        return gossiper.isUp(Objects.requireNonNull(node, "node"));
    }

    @Override
    public Optional<InetSocketAddress> address(NodeId node) {
        return stateOf(node, AppState.ADDRESS).map(Addresses::parse);
    }

    public Optional<InetSocketAddress> clientAddress(NodeId node) {
        return stateOf(node, AppState.CLIENT_ADDRESS).map(Addresses::parse);
    }

    @Override
    public Optional<MemberStatus> status(NodeId node) {
        return stateOf(node, AppState.STATUS).map(StatusValue::tryParse).map(StatusValue::status);
    }

    /** Every member gossip knows, this node included, retired ones until they are purged. */
    public List<Member> members() {
        return views.members();
    }

    @Override
    public int knownMembers() {
        return views.members().size();
    }

    @Override
    public Optional<String> rack(NodeId node) {
        return stateOf(node, AppState.RACK).filter(r -> !r.isEmpty());
    }

    public Optional<Member> member(NodeId node) {
        return Optional.ofNullable(views.byNode().get(node));
    }

    private Optional<String> stateOf(NodeId node, AppState key) {
        Member m = views.byNode().get(Objects.requireNonNull(node, "node"));
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(key));
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Announces this node's tokens and status (tokens first, so no peer sees the status without them). */
    @Override
    public void setStatus(MemberStatus status, Collection<Long> tokens) {
        gossiper.setLocal(AppState.TOKENS, Tokens.text(tokens));
        gossiper.setLocal(AppState.STATUS, StatusValue.of(status).text());
    }

    /** Announces that this node has left for good; peers purge it after {@code retentionMs}. */
    @Override
    public void setRetired(MemberStatus status, long expiresAtMillis) {
        gossiper.setLocal(AppState.STATUS, StatusValue.retired(status, expiresAtMillis).text());
    }

    public void setLoad(long bytes) {
        gossiper.setLocal(AppState.LOAD, Long.toString(bytes));
    }

    public void setStreaming(String summary) {
        gossiper.setLocal(AppState.STREAMING, summary);
    }

    /** Announces what is wrong with this node's storage, empty when nothing is. */
    public void setStorage(String summary) {
        gossiper.setLocal(AppState.STORAGE, summary);
    }

    /** Speaks for a dead member being removed: see {@link EndpointStates#setOnBehalf}. */
    @Override
    public void markRemoving(NodeId node) {
        gossiper.setOnBehalf(node, StatusValue.of(MemberStatus.REMOVING));
    }

    /** Completes a removal started with {@link #markRemoving}. */
    @Override
    public void markRemoved(NodeId node, long expiresAtMillis) {
        gossiper.updateOnBehalf(node, StatusValue.retired(MemberStatus.REMOVED, expiresAtMillis));
    }

    /**
     * Completes once every member this node believes up holds all of {@code node}'s state that this
     * node holds now (its generation, and at least its version): asked directly, every
     * {@code pollMs}, so that a ring change starts only once every coordinator that can be reached
     * routes by it. Versions, not status text, decide: a joining node's announcement of its tokens
     * leaves its status JOINING, as it was. Fails after {@code timeoutMs}, naming who lags.
     */
    @Override
    public CompletableFuture<Void> awaitSeenByLiveMembers(NodeId node, long pollMs, long timeoutMs) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long deadline = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        pollSeen(node, gossiper.versionOf(node), pollMs, deadline, timeoutMs, done);
        return done;
    }

    private void pollSeen(NodeId node, GossipMessages.StatusAnswer expected, long pollMs, long deadlineNanos,
                          long timeoutMs, CompletableFuture<Void> done) {
        List<CompletableFuture<GossipMessages.StatusAnswer>> answers = new ArrayList<>();
        List<NodeId> asked = new ArrayList<>();
        for (Member m : views.members()) {
            StatusValue status = m.status();
            if (m.node().equals(self()) || m.node().equals(node) || status == null || status.status().isRetired()
                    || !isUp(m.node())) {
                continue;
            }
            asked.add(m.node());
            answers.add(bus.request(m.node(), new GossipMessages.StatusQuery(node), GossipMessages.StatusAnswer.class,
                    pollMs * 4).handle((a, e) -> e == null ? a : null));
        }
        CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0])).whenComplete((ignored, e) -> {
            List<String> lagging = new ArrayList<>();
            for (int i = 0; i < asked.size(); i++) {
                GossipMessages.StatusAnswer a = answers.get(i).join();
                boolean seen = a != null && a.generation() == expected.generation()
                        && a.maxVersion() >= expected.maxVersion();
                if (!seen && isUp(asked.get(i))) {
                    lagging.add(asked.get(i) + (a == null ? " (no answer)" : " (has " + a.status() + ")"));
                }
            }
            if (lagging.isEmpty()) {
                done.complete(null);
            } else if (clock.nanoTime() > deadlineNanos) {
                done.completeExceptionally(new IllegalStateException("members " + lagging + " did not learn that "
                        + node + " is " + expected.status() + " within " + timeoutMs + " ms"));
            } else {
                scheduler.schedule(() -> pollSeen(node, expected, pollMs, deadlineNanos, timeoutMs, done), pollMs,
                        TimeUnit.MILLISECONDS);
            }
        });
    }

    private void update(List<Member> members, Set<NodeId> changed) {
        Views before = views;
        Map<NodeId, Member> byNode = new HashMap<>();
        for (Member m : members) {
            byNode.put(m.node(), m);
        }
        Ring ring = before.ring();
        Ring pendingRing = before.pendingRing();
        if (placementChanged(before.byNode(), byNode, changed)) {
            Ring[] rings = rings(members);
            ring = rings[0];
            pendingRing = rings[1];
        }
        // Instances are kept when contents are equal, and the pending ring is the ring itself when
        // nothing is changing, so that readers can compare by identity on every request.
        Ring nextRing = ring.equals(before.ring()) ? before.ring() : ring;
        Ring nextPending = pendingRing.equals(nextRing) ? nextRing
                : pendingRing.equals(before.pendingRing()) ? before.pendingRing() : pendingRing;
        Views next = new Views(List.copyOf(members), nextRing, nextPending, Map.copyOf(byNode));
        views = next;
        for (NodeId node : changed) {
            Member was = before.byNode().get(node);
            Member now = byNode.get(node);
            String statusBefore = was == null ? null : was.get(AppState.STATUS);
            String statusNow = now == null ? null : now.get(AppState.STATUS);
            if (!Objects.equals(statusBefore, statusNow)) {
                log.info("Member {} at {}: {} -> {}", node, now == null ? "?" : now.get(AppState.ADDRESS),
                        statusBefore == null ? "new" : statusBefore, statusNow == null ? "purged" : statusNow);
            }
        }
        if (next.ring() != before.ring() || next.pendingRing() != before.pendingRing()) {
            for (Listener l : listeners) {
                l.ringChanged(next.ring());
            }
        }
    }

    /** The states that place keys; load, streaming and heartbeats change often and never move a range. */
    private static final List<AppState> PLACEMENT = List.of(AppState.STATUS, AppState.TOKENS, AppState.RACK);

    private static boolean placementChanged(Map<NodeId, Member> before, Map<NodeId, Member> now, Set<NodeId> changed) {
        for (NodeId node : changed) {
            Member was = before.get(node);
            Member is = now.get(node);
            if (was == null || is == null) {
                return true;
            }
            for (AppState key : PLACEMENT) {
                if (!Objects.equals(was.get(key), is.get(key))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The ring of members owning ranges now, and the pending ring, from the members' states. */
    private static Ring[] rings(List<Member> members) {
        Map<NodeId, List<Long>> owning = new HashMap<>();
        Map<NodeId, List<Long>> pending = new HashMap<>();
        Map<NodeId, String> racks = new HashMap<>();
        for (Member m : members) {
            StatusValue status = m.status();
            String tokens = m.get(AppState.TOKENS);
            if (status == null || tokens == null || tokens.isEmpty()) {
                continue;
            }
            List<Long> parsed;
            try {
                parsed = Tokens.parse(tokens);
            } catch (IllegalArgumentException e) {
                log.warn("Ignoring the tokens of member {}: {}", m.node(), e.getMessage());
                continue;
            }
            racks.put(m.node(), m.get(AppState.RACK) == null ? Ring.NO_RACK : m.get(AppState.RACK));
            if (status.status().inRing()) {
                owning.put(m.node(), parsed);
            }
            if (status.status().inPendingRing()) {
                pending.put(m.node(), parsed);
            }
        }
        return new Ring[] {Ring.of(owning, subset(racks, owning.keySet())),
            Ring.of(pending, subset(racks, pending.keySet()))};
    }

    private static Map<NodeId, String> subset(Map<NodeId, String> racks, Set<NodeId> nodes) {
        Map<NodeId, String> result = new HashMap<>();
        boolean anyRack = false;
        for (NodeId n : nodes) {
            String rack = racks.get(n);
            result.put(n, rack);
            anyRack |= !rack.isEmpty();
        }
        return anyRack ? result : Map.of();
    }

    @Override
    public String toString() {
        Views v = views;
        List<String> parts = new ArrayList<>();
        for (Member m : v.members()) {
            parts.add(m.node() + "=" + m.get(AppState.STATUS) + (isUp(m.node()) ? "/up" : "/down"));
        }
        return "GossipMembership" + parts;
    }
}
