package io.kvorum.node;

import io.kvorum.coordinator.Coordinator;
import io.kvorum.coordinator.CoordinatorMessages;
import io.kvorum.coordinator.CoordinatorOptions;
import io.kvorum.core.Checks;
import io.kvorum.core.DotSource;
import io.kvorum.core.MessageTypes;
import io.kvorum.coordinator.HintSink;
import io.kvorum.core.AgentRunner;
import io.kvorum.core.Seams;
import io.kvorum.hints.HintDelivery;
import io.kvorum.hints.HintStore;
import io.kvorum.core.Settings;
import io.kvorum.core.protocol.ClientMessages;
import io.kvorum.gossip.AppState;
import io.kvorum.gossip.GossipMembership;
import io.kvorum.gossip.GossipMessages;
import io.kvorum.gossip.GossipOptions;
import io.kvorum.ring.ClusterMembership;
import io.kvorum.ring.Membership;
import io.kvorum.ringchanges.RingChangeMessages;
import io.kvorum.ringchanges.RingChanges;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.streaming.RangeStreamer;
import io.kvorum.streaming.StreamMessages;
import io.kvorum.streaming.StreamOptions;
import io.kvorum.streaming.StreamSource;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds every protocol part of one node — membership, coordinator, streaming, ring changes — from
 * its seams, its store, its dots and its options, and registers their handlers on its bus.
 *
 * <p>Why one assembly: a simulation that wires a node by hand tests its own wiring, not the one that
 * runs in production, and a part added to a node (hints, repair) would have to be added to every
 * copy. {@link Node} supplies Netty, the LSM store and real threads; the simulations supply the
 * simulated bus and loop and an in-memory store; both come through here, so a seeded simulation
 * runs exactly the parts, handlers and options a real node runs.
 *
 * <p>Membership is gossip unless the caller supplies a scripted view ({@link Builder#membership}),
 * which the quorum simulations use to say who is believed down independently of who is dead on the
 * network. Ring changes need a membership they can announce through ({@link ClusterMembership}):
 * with a scripted view that is not one, the node has none.
 *
 * <p>Not thread-safe while building; {@link #start} once the bus is started, {@link #stop} to end.
 */
public final class NodeAssembly {

    /**
     * Everything a node's parts are configured with.
     *
     * @param coordinator the replication factor, request limits and longest request timeout
     * @param ringChanges the ring changes' replication factor, tokens, grace and timeouts
     */
    public record Options(CoordinatorOptions coordinator, StreamOptions streaming, RingChanges.Options ringChanges) {
        public Options {
            Objects.requireNonNull(coordinator, "coordinator");
            Objects.requireNonNull(streaming, "streaming");
            Objects.requireNonNull(ringChanges, "ring changes");
            Checks.require(ringChanges.replicationFactor() == coordinator.replicationFactor(),
                    "ring changes' replication factor", ringChanges.replicationFactor(),
                    "the coordinator's, " + coordinator.replicationFactor());
        }

        /** The options a configured node runs with. */
        public static Options fromSettings(Settings settings, RecordLimits limits) {
            int replicationFactor = settings.get(NodeSettings.REPLICATION_FACTOR);
            CoordinatorOptions coordinator = CoordinatorOptions.of(replicationFactor, limits,
                    settings.get(NodeSettings.MAX_REQUEST_TIMEOUT_MS))
                    .withMaxSiblings(settings.get(CoordinatorOptions.MAX_SIBLINGS))
                    .withSloppyWrites(settings.get(CoordinatorOptions.SLOPPY_WRITES));
            return new Options(coordinator, StreamOptions.fromSettings(settings),
                    new RingChanges.Options(replicationFactor, settings.get(NodeSettings.NUM_TOKENS),
                            settings.get(NodeSettings.RING_CHANGE_GRACE_MS), RingChanges.Options.DEFAULT_SETTLE_TIMEOUT_MS,
                            RingChanges.Options.DEFAULT_FETCH_TIMEOUT_MS,
                            settings.get(GossipOptions.RETIRED_RETENTION_MS)));
        }
    }

    /** Every message type a node sends or handles on its internode bus, in one registration order. */
    public static MessageTypes messageTypes() {
        return RingChangeMessages.register(StreamMessages.register(GossipMessages.register(
                CoordinatorMessages.register(ClientMessages.register(MessageTypes.builder()))))).build();
    }

    private final Seams seams;
    private final Membership membership;
    private final GossipMembership gossip;
    private final Coordinator coordinator;
    private final RangeStreamer streamer;
    private final RingChanges ringChanges;
    private final HintStore hintStore;
    private final HintDelivery hintDelivery;
    private final AgentRunner hintRunner;
    /** How often hint delivery looks again when it found nothing to send. */
    static final long HINT_IDLE_MS = 1_000;

    private NodeAssembly(Builder b) {
        this.seams = Objects.requireNonNull(b.seams, "seams");
        Objects.requireNonNull(b.dots, "dots");
        Objects.requireNonNull(b.store, "store");
        Options options = Objects.requireNonNull(b.options, "options");
        if (b.scripted != null) {
            this.gossip = null;
            this.membership = b.scripted;
        } else {
            Objects.requireNonNull(b.gossipOptions, "gossip options (or a scripted membership)");
            this.gossip = new GossipMembership(seams.self(), b.generation, b.localStates, seams.bus(),
                    seams.scheduler(), seams.clock(), seams.forPart().random(), b.gossipOptions);
            this.membership = gossip;
        }
        // Data requests (replica reads and writes, streams, fetches) only from live members; gossip,
        // which makes a node known, is not gated. A scripted membership's cluster is fixed.
        Seams data = gossip == null ? seams : new Seams(new MemberGate(seams.bus(), gossip, seams.clock()),
                seams.clock(), seams.scheduler(), seams.random(), seams.storage());
        HintSink hints = b.hintStore == null ? HintSink.NONE
                : (replica, records, durability) -> b.hintStore.add(replica, seams.clock().nowMillis(), records, durability);
        this.coordinator = new Coordinator(data.forPart(), b.dots, b.store, membership,
                options.coordinator(), hints);
        this.hintStore = b.hintStore;
        this.hintDelivery = b.hintStore == null || gossip == null ? null
                : new HintDelivery(b.hintStore, gossip, seams.bus(), seams.clock(),
                        options.coordinator().replicationFactor(), b.hintDeliveryOptions);
        this.hintRunner = hintDelivery == null ? null : new AgentRunner(hintDelivery, seams.scheduler(),
                seams.storage(), seams.clock(), HINT_IDLE_MS, 1);
        if (hintDelivery != null) {
            hintDelivery.onBatchDone(hintRunner::wake);
        }
        this.streamer = new RangeStreamer(b.store, data.bus(), seams.scheduler(), seams.clock(), seams.storage(),
                options.streaming());
        this.ringChanges = membership instanceof ClusterMembership cluster
                ? new RingChanges(cluster, streamer, data.bus(), seams.scheduler(), seams.clock(),
                        data.forPart().random(), options.ringChanges())
                : null;

        coordinator.registerHandlers();
        if (gossip != null) {
            gossip.registerHandlers();
        }
        new StreamSource(b.store, data.bus(), seams.storage()).registerHandlers();
        if (ringChanges != null) {
            ringChanges.registerHandlers();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts what runs by itself (gossip); the bus must already deliver messages. */
    public void start() {
        if (gossip != null) {
            gossip.start();
        }
        if (hintRunner != null) {
            hintRunner.start();
        }
    }

    /** Stops gossiping; requests under way complete or time out on their own. Idempotent. */
    public void stop() {
        if (hintRunner != null) {
            hintRunner.close();
        }
        if (gossip != null) {
            gossip.stop();
        }
    }

    /** The node's hint store, or null for a node built without one. */
    public HintStore hintStore() {
        return hintStore;
    }

    /** Hint delivery, or null without a hint store or without gossip. */
    public HintDelivery hintDelivery() {
        return hintDelivery;
    }

    public Seams seams() {
        return seams;
    }

    public Membership membership() {
        return membership;
    }

    /** The gossip membership; a node with a scripted membership has none. */
    public GossipMembership gossip() {
        if (gossip == null) {
            throw new IllegalStateException("this node's membership is scripted, not gossip");
        }
        return gossip;
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    public RangeStreamer streamer() {
        return streamer;
    }

    /** The node's ring changes; a node whose scripted membership cannot announce has none. */
    public RingChanges ringChanges() {
        if (ringChanges == null) {
            throw new IllegalStateException("ring changes need a ClusterMembership; this node's membership ("
                    + membership.getClass().getSimpleName() + ") cannot announce one");
        }
        return ringChanges;
    }

    /** What a node is built from. */
    public static final class Builder {
        private Seams seams;
        private DotSource dots;
        private ReplicaStore store;
        private Options options;
        private Membership scripted;
        private GossipOptions gossipOptions;
        private long generation;
        private Map<AppState, String> localStates;
        private HintStore hintStore;
        private HintDelivery.Options hintDeliveryOptions = HintDelivery.Options.defaults();

        private Builder() {
        }

        /**
         * Keeps hints in {@code store} (the caller opens and closes it) and delivers them as
         * {@code delivery} says; without, a node keeps no hints and refuses to stand in for others.
         */
        public Builder hints(HintStore store, HintDelivery.Options delivery) {
            this.hintStore = Objects.requireNonNull(store, "hint store");
            this.hintDeliveryOptions = Objects.requireNonNull(delivery, "hint delivery options");
            return this;
        }

        public Builder seams(Seams seams) {
            this.seams = seams;
            return this;
        }

        public Builder dots(DotSource dots) {
            this.dots = dots;
            return this;
        }

        public Builder store(ReplicaStore store) {
            this.store = store;
            return this;
        }

        public Builder options(Options options) {
            this.options = options;
            return this;
        }

        /**
         * Membership by gossip: this run's generation (higher than any earlier run's of the node), the
         * states it starts gossiping with ({@link GossipMembership#localStates}), and how it gossips.
         */
        public Builder gossip(long generation, Map<AppState, String> localStates, GossipOptions options) {
            this.generation = generation;
            this.localStates = Objects.requireNonNull(localStates, "local states");
            this.gossipOptions = options;
            this.scripted = null;
            return this;
        }

        /** A membership the caller scripts (tests), in place of gossip. */
        public Builder membership(Membership membership) {
            this.scripted = Objects.requireNonNull(membership, "membership");
            this.gossipOptions = null;
            return this;
        }

        public NodeAssembly build() {
            return new NodeAssembly(this);
        }
    }

    /** The gossip states a node of this build starts with, for {@link Builder#gossip}. */
    public static Map<AppState, String> localStates(InetSocketAddress address, InetSocketAddress clientAddress, String rack,
                                             io.kvorum.ring.MemberStatus status, List<Long> tokens) {
        return GossipMembership.localStates(address, clientAddress, rack, status, tokens, Node.PROTOCOL_VERSION);
    }
}
