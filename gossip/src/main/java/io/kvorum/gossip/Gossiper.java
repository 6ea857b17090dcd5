package io.kvorum.gossip;

import io.kvorum.core.Clock;
import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Scheduler;
import io.kvorum.gossip.GossipMessages.GossipAck;
import io.kvorum.gossip.GossipMessages.GossipAck2;
import io.kvorum.gossip.GossipMessages.GossipSyn;
import io.kvorum.gossip.GossipMessages.Heartbeat;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gossip protocol of one node: every interval it bumps its heartbeat version and exchanges
 * digests with a random live member, sometimes with an unreachable one and sometimes with a seed
 * (Cassandra's choice of peers: the live peer spreads news, the unreachable one notices a member
 * that came back, the seed keeps partitions of the cluster from staying apart). Every heartbeat
 * interval it sends a direct {@link Heartbeat} to every member, which feeds the peers' failure
 * detectors; every detector interval its own detector re-evaluates who is up.
 *
 * <p>Why direct heartbeats rather than reading liveness off gossiped heartbeat versions, as
 * Cassandra does: with one random exchange per second, news of a member reaches a node at
 * irregular, multi-hop intervals, and a detector fed by them must wait tens of seconds to be sure
 * (Cassandra convicts after about 18 mean intervals). Direct heartbeats arrive at a steady rate,
 * so the phi detector can convict within about two seconds without false alarms, and "up" then
 * means "this node hears from it", which is what a coordinator choosing replicas needs. The cost,
 * n² small messages per interval, is nothing at the sizes Kvorum runs.
 *
 * <p>All state is guarded by this object's lock: handlers run on network threads, rounds on the
 * scheduler. The listener is called under the lock and must return quickly.
 */
final class Gossiper {
    private static final Logger log = LoggerFactory.getLogger(Gossiper.class);
    /** Each distinct refusal is logged once; a bound keeps a misbehaving peer from growing the set. */
    private static final int MAX_LOGGED_REFUSALS = 1000;

    /** Told of what gossip learns; called under the gossiper's lock. */
    interface Listener {
        /** {@code members} is every member now; {@code changed} those whose states changed. */
        void statesChanged(List<Member> members, Set<NodeId> changed);

        void upDownChanged(NodeId node, boolean up);

        /** Peers hold {@code status}, LEFT or REMOVED, for this node: it must not serve as a member. */
        void selfRetired(StatusValue status);
    }

    private final NodeId self;
    private final MessageBus bus;
    private final Scheduler scheduler;
    private final Clock clock;
    private final RandomSource random;
    private final GossipOptions options;
    private final PhiAccrualDetector detector;
    private final EndpointStates states;
    private final Listener listener;
    private final Map<InetSocketAddress, NodeId> seedIds = new LinkedHashMap<>();
    private final Set<InetSocketAddress> identifying = new HashSet<>();
    private final Set<String> loggedRefusals = new HashSet<>();
    private final List<Scheduler.Cancellable> tasks = new ArrayList<>();
    private boolean selfRetiredReported;
    private boolean stopped;

    Gossiper(NodeId self, long generation, Map<AppState, String> localStates, MessageBus bus, Scheduler scheduler,
             Clock clock, RandomSource random, GossipOptions options, Listener listener) {
        this.self = self;
        this.bus = bus;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.options = options;
        this.detector = new PhiAccrualDetector(clock, options.detector());
        this.states = new EndpointStates(self, generation, options.retiredRetentionMs());
        this.listener = listener;
        localStates.forEach(states::setLocal);
    }

    void registerHandlers() {
        bus.handle(GossipSyn.class, (from, syn) -> {
            onSyn(from, syn);
            return null;
        });
        bus.handle(GossipAck.class, (from, ack) -> {
            onAck(from, ack);
            return null;
        });
        bus.handle(GossipAck2.class, (from, ack2) -> {
            onAck2(from, ack2);
            return null;
        });
        bus.handle(Heartbeat.class, (from, heartbeat) -> {
            onHeartbeat(from);
            return null;
        });
        bus.handle(GossipMessages.StatusQuery.class, (from, query) ->
                java.util.concurrent.CompletableFuture.completedFuture(versionOf(query.node())));
    }

    /** How much of {@code node}'s state this node holds. */
    synchronized GossipMessages.StatusAnswer versionOf(NodeId node) {
        EndpointState s = states.get(node);
        if (s == null) {
            return new GossipMessages.StatusAnswer(0, 0, "");
        }
        String status = s.get(AppState.STATUS);
        return new GossipMessages.StatusAnswer(s.generation(), s.maxVersion(), status == null ? "" : status);
    }

    /** Starts the periodic work; the bus must be started. */
    synchronized void start() {
        listener.statesChanged(members(), Set.of(self));
        tasks.add(scheduler.scheduleWithFixedDelay(this::round, 0, options.intervalMs(), TimeUnit.MILLISECONDS));
        long hb = options.detector().heartbeatIntervalMillis();
        tasks.add(scheduler.scheduleWithFixedDelay(this::sendHeartbeats, 0, hb, TimeUnit.MILLISECONDS));
        tasks.add(scheduler.scheduleWithFixedDelay(this::interpret, options.detectorIntervalMs(),
                options.detectorIntervalMs(), TimeUnit.MILLISECONDS));
    }

    synchronized void stop() {
        stopped = true;
        tasks.forEach(Scheduler.Cancellable::cancel);
        tasks.clear();
    }

    NodeId self() {
        return self;
    }

    long generation() {
        return states.local().generation();
    }

    boolean isUp(NodeId node) {
        return node.equals(self) || detector.isUp(node);
    }

    /** See {@link EndpointStates#preload}; before {@link #start}. */
    synchronized void preload(List<Member> members) {
        for (Member m : members) {
            states.preload(m.node(), m.states());
            String address = m.get(AppState.ADDRESS);
            if (address != null && !m.node().equals(self)) {
                bus.setAddress(m.node(), Addresses.parse(address));
            }
        }
    }

    synchronized void setLocal(AppState key, String value) {
        states.setLocal(key, value);
        listener.statesChanged(members(), Set.of(self));
    }

    synchronized void setOnBehalf(NodeId node, StatusValue status) {
        states.setOnBehalf(node, status);
        afterLocalChangeOf(node);
    }

    synchronized void updateOnBehalf(NodeId node, StatusValue status) {
        states.updateOnBehalf(node, status);
        afterLocalChangeOf(node);
    }

    private void afterLocalChangeOf(NodeId node) {
        StatusValue status = states.get(node).status();
        if (status != null && status.status().isRetired()) {
            detector.forget(node);
        }
        listener.statesChanged(members(), Set.of(node));
    }

    /** Every member's state now. */
    synchronized List<Member> members() {
        List<Member> members = new ArrayList<>();
        for (EndpointState s : states.all()) {
            Map<AppState, String> values = new LinkedHashMap<>();
            s.entries().forEach((k, e) -> values.put(k, e.value()));
            members.add(new Member(s.node(), s.generation(), s.heartbeatVersion(), values));
        }
        return members;
    }

    private synchronized void round() {
        if (stopped) {
            return;
        }
        states.beat();
        for (NodeId purged : states.purge(clock.nowMillis())) {
            detector.forget(purged);
            log.info("Purged retired member {} from gossip", purged);
            listener.statesChanged(members(), Set.of(purged));
        }
        identifySeeds();

        List<NodeId> live = new ArrayList<>();
        List<NodeId> unreachable = new ArrayList<>();
        for (EndpointState s : states.all()) {
            if (reachable(s)) {
                (detector.isUp(s.node()) ? live : unreachable).add(s.node());
            }
        }
        GossipSyn syn = new GossipSyn(options.clusterName(), states.digests());
        boolean toSeed = false;
        if (!live.isEmpty()) {
            NodeId target = live.get(random.nextInt(live.size()));
            bus.send(target, syn);
            toSeed = seedIds.containsValue(target);
        }
        if (!unreachable.isEmpty() && random.nextDouble() < unreachable.size() / (live.size() + 1.0)) {
            bus.send(unreachable.get(random.nextInt(unreachable.size())), syn);
        }
        List<NodeId> seeds = new ArrayList<>();
        for (NodeId id : seedIds.values()) {
            if (!id.equals(self)) {
                seeds.add(id);
            }
        }
        if (!seeds.isEmpty() && (!toSeed || live.size() < seeds.size())) {
            double p = live.isEmpty() ? 1.0 : seeds.size() / (double) (live.size() + unreachable.size());
            if (random.nextDouble() < p) {
                bus.send(seeds.get(random.nextInt(seeds.size())), syn);
            }
        }
    }

    /** A member worth gossiping and heartbeating with: another node, not retired, with an address. */
    private boolean reachable(EndpointState s) {
        if (s.node().equals(self) || s.get(AppState.ADDRESS) == null) {
            return false;
        }
        StatusValue status = s.status();
        return status != null && !status.status().isRetired();
    }

    private void identifySeeds() {
        for (InetSocketAddress seed : options.seeds()) {
            if (seedIds.containsKey(seed) || identifying.contains(seed)) {
                continue;
            }
            identifying.add(seed);
            bus.identify(seed, options.identifyTimeoutMs()).whenComplete((id, error) -> seedIdentified(seed, id));
        }
    }

    private synchronized void seedIdentified(InetSocketAddress seed, NodeId id) {
        identifying.remove(seed);
        if (id == null || stopped) {
            return;
        }
        seedIds.put(seed, id);
        if (!id.equals(self)) {
            bus.setAddress(id, seed);
            bus.send(id, new GossipSyn(options.clusterName(), states.digests()));
        }
    }

    private synchronized void sendHeartbeats() {
        if (stopped) {
            return;
        }
        Heartbeat heartbeat = new Heartbeat(states.local().generation());
        for (EndpointState s : states.all()) {
            if (reachable(s)) {
                bus.send(s.node(), heartbeat);
            }
        }
    }

    private synchronized void interpret() {
        if (stopped) {
            return;
        }
        for (PhiAccrualDetector.Change change : detector.interpret()) {
            EndpointState s = states.get(change.node());
            if (s == null || !reachable(s)) {
                continue;
            }
            log.info("Member {} at {} is now {}", change.node(), s.get(AppState.ADDRESS), change.up() ? "UP" : "DOWN");
            listener.upDownChanged(change.node(), change.up());
        }
    }

    /** Only members count: a heartbeat from a retired or purged node must not bring it back into the detector. */
    private synchronized void onHeartbeat(NodeId from) {
        EndpointState s = states.get(from);
        if (s != null && reachable(s)) {
            detector.heartbeat(from);
        }
    }

    private synchronized void onSyn(NodeId from, GossipSyn syn) {
        if (stopped || !sameCluster(from, syn.clusterName())) {
            return;
        }
        EndpointStates.Examined examined = states.examine(syn.digests());
        bus.send(from, new GossipAck(examined.requests(), examined.deltas()));
    }

    private synchronized void onAck(NodeId from, GossipAck ack) {
        if (stopped) {
            return;
        }
        apply(ack.deltas());
        if (!ack.requests().isEmpty()) {
            bus.send(from, new GossipAck2(states.answer(ack.requests())));
        }
    }

    private synchronized void onAck2(NodeId from, GossipAck2 ack2) {
        if (!stopped) {
            apply(ack2.deltas());
        }
    }

    private void apply(List<GossipMessages.EndpointDelta> deltas) {
        if (deltas.isEmpty()) {
            return;
        }
        EndpointStates.Applied applied = states.apply(deltas, clock.nowMillis());
        if (applied.selfRetired() != null && !selfRetiredReported) {
            StatusValue own = states.local().status();
            if (own == null || !own.status().isRetired()) {
                selfRetiredReported = true;
                listener.selfRetired(applied.selfRetired());
            }
        }
        for (String reason : applied.refused()) {
            if (loggedRefusals.size() < MAX_LOGGED_REFUSALS && loggedRefusals.add(reason)) {
                log.warn("Gossip refused a state: {}", reason);
            }
        }
        if (applied.isEmpty()) {
            return;
        }
        for (NodeId node : applied.changed()) {
            EndpointState s = states.get(node);
            if (s == null) {
                detector.forget(node);
                log.info("Purged retired member {} from gossip, as its peers have", node);
                continue;
            }
            String address = s.get(AppState.ADDRESS);
            if (address != null) {
                bus.setAddress(node, Addresses.parse(address));
            }
            StatusValue status = s.status();
            if (status != null && status.status().isRetired()) {
                detector.forget(node);
            }
        }
        listener.statesChanged(members(), applied.changed());
    }

    private boolean sameCluster(NodeId from, String clusterName) {
        if (options.clusterName().equals(clusterName)) {
            return true;
        }
        String reason = "gossip from " + from + " of cluster '" + clusterName + "' (this is '" + options.clusterName()
                + "')";
        if (loggedRefusals.size() < MAX_LOGGED_REFUSALS && loggedRefusals.add(reason)) {
            log.warn("Ignoring {}", reason);
        }
        return false;
    }
}
