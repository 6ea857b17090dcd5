package io.kvorum.node;

import io.kvorum.coordinator.Coordinator;
import io.kvorum.streaming.RangeStreamer;
import io.kvorum.streaming.StreamProgress;
import io.kvorum.ringchanges.RingChanges;
import io.kvorum.core.Clock;
import io.kvorum.core.ExecutorScheduler;
import io.kvorum.core.NodeIdentity;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Scheduler;
import io.kvorum.core.Seams;
import io.kvorum.core.Settings;
import io.kvorum.core.protocol.ClientMessages;
import io.kvorum.gossip.Addresses;
import io.kvorum.gossip.GossipMembership;
import io.kvorum.gossip.GossipOptions;
import io.kvorum.gossip.Member;
import io.kvorum.hints.HintDelivery;
import io.kvorum.hints.HintOptions;
import io.kvorum.hints.HintSettings;
import io.kvorum.hints.HintStore;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.lsm.LsmOptions;
import io.kvorum.storage.lsm.LsmStore;
import io.kvorum.transport.NettyMessageBus;
import io.kvorum.transport.TlsConfig;
import io.kvorum.transport.WireServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kvorum node: the composition root that builds every part from its configuration, starts
 * them in dependency order and stops them in reverse, as Voldemort's {@code VoldemortServer} does.
 *
 * <p>Order: the storage engine first (its lock on the data directory refuses a second node on the
 * same directory before anything else happens), then the node's identity (id, epoch, dots), the
 * scheduler, the internode bus with the handlers of the coordinator, gossip, streaming and ring
 * changes, gossip membership (seeded from the ring the node saved last time, see {@link RingFile}),
 * and last the client port, so that no client request arrives before the node can serve it. A new
 * node that is not a founding seed then joins the cluster in the background (see {@link Startup}). Stopping closes the client
 * port first and the storage last, which flushes memtables; only then is a clean shutdown recorded,
 * so the next start keeps its epoch.
 *
 * <p>No static state: tests run several nodes in one JVM.
 */
public final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);
    /**
     * Where stack traces go: conf/logback.xml sends this logger to the log file only, so the
     * console shows one line that names each problem.
     */
    static final Logger TRACES = LoggerFactory.getLogger("kvorum.traces");
    /** The internode protocol version this build speaks, announced in gossip. */
    static final int PROTOCOL_VERSION = 1;
    private static final long LOAD_REPORT_MS = 10_000;
    private static final long STREAMING_REPORT_MS = 2_000;
    private static final long STORAGE_REPORT_MS = 2_000;

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final NodeIdentity identity;
    private final NettyMessageBus bus;
    private final NodeAssembly assembly;
    private final RingSaver ringSaver;
    private final GossipMembership membership;
    private final RangeStreamer streamer;
    private final RingChanges ringChanges;
    private final Startup startup;
    private CompletableFuture<List<Long>> joined;
    private final CompletableFuture<Void> retired = new CompletableFuture<>();
    private String lastStreaming = "";
    private String lastStorage = "";
    private final Coordinator coordinator;
    private final WireServer clientServer;
    private boolean closed;

    private Node(Settings settings) throws Exception {
        NodeSettings.checkSecret(settings);
        // Read before anything touches the data directory: a key or users file that cannot be used stops the start.
        TlsConfig internodeTls = TlsSettings.internode(settings);
        TlsConfig clientTls = TlsSettings.clientPort(settings);
        ClientAccess clientAccess = ClientAccess.fromSettings(settings);
        Path dataDir = Path.of(settings.get(NodeSettings.DATA_DIR)).toAbsolutePath();
        Files.createDirectories(dataDir);
        String host = settings.get(NodeSettings.LISTEN_ADDRESS);
        int clientPort = settings.get(NodeSettings.CLIENT_PORT);
        List<InetSocketAddress> seeds = parseSeeds(settings.get(NodeSettings.CLUSTER_SEEDS));
        try {
            LsmOptions storageOptions = LsmOptions.from(settings);
            LsmStore store = LsmStore.open(dataDir.resolve("storage"), storageOptions);
            started.push(store);

            // One root source per node, its seed logged, split per part: a run's random choices can be
            // told apart in the logs, and a simulation seeds the same parts the same way.
            long seed = new SecureRandom().nextLong();
            RandomSource random = RandomSource.seeded(seed);
            identity = NodeIdentity.open(dataDir, random.split());
            // A clean shutdown is recorded only once the store has closed cleanly: if closing it
            // fails, the next start must take a new epoch (see io.kvorum.core.Actor).
            started.pop();
            started.push(() -> {
                store.close();
                identity.close();
            });
            log.info("Node {} (epoch {}{}) starting in {}; random seed {}", identity.nodeId(), identity.actor().epoch(),
                    identity.isNew() ? ", new data directory" : identity.startedClean() ? ""
                            : ", after an unclean shutdown", dataDir, seed);

            ExecutorScheduler scheduler = new ExecutorScheduler("kvorum-scheduler");
            started.push(scheduler);
            ExecutorService storageThreads = threads("kvorum-storage", settings.get(NodeSettings.STORAGE_THREADS));
            started.push(() -> {
                storageThreads.shutdown();
                storageThreads.awaitTermination(30, TimeUnit.SECONDS);
            });

            NettyMessageBus.Builder busBuilder = NettyMessageBus.builder(identity.nodeId(), NodeAssembly.messageTypes())
                    .listen(host, settings.get(NodeSettings.INTERNODE_PORT))
                    .clusterName(settings.get(NodeSettings.CLUSTER_NAME))
                    .maxFrameBytes(Math.toIntExact(settings.get(NodeSettings.MAX_FRAME_BYTES)))
                    .connectTimeoutMs(settings.get(NodeSettings.CONNECT_TIMEOUT_MS))
                    .maxInboundConnections(settings.get(NodeSettings.MAX_INBOUND_CONNECTIONS),
                            settings.get(NodeSettings.MAX_INBOUND_CONNECTIONS_PER_ADDRESS));
            String secret = settings.get(NodeSettings.CLUSTER_SECRET);
            if (!secret.isEmpty()) {
                busBuilder.sharedSecret(secret);
            }
            if (internodeTls != null) {
                busBuilder.tls(internodeTls);
            }
            bus = busBuilder.build();

            InetSocketAddress self = new InetSocketAddress(host, settings.get(NodeSettings.INTERNODE_PORT));
            InetSocketAddress clientAddress = new InetSocketAddress(host, clientPort);
            int numTokens = settings.get(NodeSettings.NUM_TOKENS);
            int replicationFactor = settings.get(NodeSettings.REPLICATION_FACTOR);
            RingFile ringFile = new RingFile(dataDir);
            List<Member> saved = ringFile.load();
            startup = Startup.decide(identity.nodeId(), self, seeds, saved, numTokens);
            log.info("Node {}: {}", identity.nodeId(), startup.describe());

            Clock clock = Clock.system();
            HintStore hints = HintStore.open(dataDir.resolve("hints"), HintOptions.from(settings), clock,
                    storageThreads);
            started.push(hints);
            // Hints of writes that were not durable reach the disk at this pace (a process crash loses none
            // of them, a power loss at most one period's); the fsync runs on a storage thread, not the timer's.
            long hintSyncMs = settings.get(HintSettings.SYNC_PERIOD_MS);
            Scheduler.Cancellable hintSync = scheduler.scheduleWithFixedDelay(() -> storageThreads.execute(() -> {
                try {
                    hints.sync();
                } catch (IllegalStateException closing) {
                    // The node is stopping; closing the store syncs it.
                }
            }), hintSyncMs, hintSyncMs, TimeUnit.MILLISECONDS);
            started.push(hintSync::cancel);
            assembly = NodeAssembly.builder()
                    .seams(new Seams(bus, clock, scheduler, random.split(), storageThreads))
                    .dots(identity)
                    .store(store)
                    .hints(hints, HintDelivery.Options.fromSettings(settings))
                    .options(NodeAssembly.Options.fromSettings(settings,
                            new RecordLimits(storageOptions.maxKeyBytes(), storageOptions.maxValueBytes())))
                    .gossip(GenerationFile.next(dataDir, clock.nowMillis()), NodeAssembly.localStates(self, clientAddress,
                                    settings.get(NodeSettings.RACK), startup.status(), startup.tokens()),
                            GossipOptions.fromSettings(settings, settings.get(NodeSettings.CLUSTER_NAME), seeds))
                    .build();
            membership = assembly.gossip();
            coordinator = assembly.coordinator();
            streamer = assembly.streamer();
            ringChanges = assembly.ringChanges();
            membership.preload(saved);
            ringSaver = new RingSaver(ringFile, membership::members, storageThreads);
            membership.addListener(new Membership.Listener() {
                @Override
                public void ringChanged(Ring ring) {
                    ringSaver.request();
                }
            });
            bus.start();
            started.push(bus);
            assembly.start();
            started.push(assembly::stop);
            // A later run of a node that left or was removed stops, as a decommissioned one does.
            membership.retiredByPeers().thenRun(() -> retired.complete(null));
            ringSaver.saveNow();
            Scheduler.Cancellable loadReport = scheduler.scheduleWithFixedDelay(
                    () -> membership.setLoad(load(store)), 0, LOAD_REPORT_MS,
                    TimeUnit.MILLISECONDS);
            started.push(loadReport::cancel);
            Scheduler.Cancellable streamingReport = scheduler.scheduleWithFixedDelay(this::reportStreaming,
                    STREAMING_REPORT_MS, STREAMING_REPORT_MS, TimeUnit.MILLISECONDS);
            started.push(streamingReport::cancel);
            Scheduler.Cancellable storageReport = scheduler.scheduleWithFixedDelay(() -> reportStorage(store),
                    0, STORAGE_REPORT_MS, TimeUnit.MILLISECONDS);
            started.push(storageReport::cancel);

            WireServer.Builder clientServerBuilder = WireServer.builder(ClientMessages.types(),
                            new ClientService(coordinator, membership, new AdminService(membership, ringChanges,
                                    streamer, replicationFactor, () -> retired.complete(null), store, storageThreads,
                                    new HintsAdmin(identity.nodeId(), hints, assembly.hintDelivery(), storageThreads)),
                                    clientAccess))
                    .listen(host, clientPort)
                    .users(clientAccess.credentials())
                    .serverName("kvorum node " + identity.nodeId())
                    .maxFrameBytes(Math.toIntExact(settings.get(NodeSettings.MAX_FRAME_BYTES)))
                    .maxConnections(settings.get(NodeSettings.CLIENT_MAX_CONNECTIONS),
                            settings.get(NodeSettings.CLIENT_MAX_CONNECTIONS_PER_ADDRESS))
                    .idleTimeoutMs(settings.get(NodeSettings.CLIENT_IDLE_TIMEOUT_MS));
            if (clientTls != null) {
                clientServerBuilder.tls(clientTls);
            }
            clientServer = clientServerBuilder.build().start();
            started.push(clientServer);
            log.info("Node {} serving clients on {}:{} and nodes on {}; cluster {}, seeds {}", identity.nodeId(),
                    host, clientPort, bus.localAddress(), settings.get(NodeSettings.CLUSTER_NAME), seeds);
            if (startup.joins()) {
                joined = ringChanges.join(startup.tokens());
                joined.whenComplete((tokens, e) -> {
                    if (e != null) {
                        log.error("Joining the cluster failed: {}; restart the node to resume the join",
                                e.getMessage());
                    }
                });
            } else {
                joined = CompletableFuture.completedFuture(startup.tokens());
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Builds and starts a node; on failure everything started so far is stopped again. */
    public static Node start(Settings settings) throws Exception {
        return new Node(settings);
    }

    public NodeIdentity identity() {
        return identity;
    }

    public NettyMessageBus bus() {
        return bus;
    }

    public GossipMembership membership() {
        return membership;
    }

    public RingChanges ringChanges() {
        return ringChanges;
    }

    public RangeStreamer streamer() {
        return streamer;
    }

    /**
     * Completes once this node has been decommissioned (its ranges are on their new replicas and it
     * has announced that it left), or once peers say this run belongs to a node that left or was
     * removed. The process should then stop it and exit.
     */
    public CompletableFuture<Void> retired() {
        return retired;
    }

    /**
     * The load a node reports in gossip: bytes in SSTables and in memtables. The commit log is left
     * out: its segments are preallocated at full size, and what they hold is in the memtables.
     */
    private static long load(LsmStore store) {
        LsmStore.Stats stats = store.stats();
        return stats.sstableBytes() + stats.memtableBytes();
    }

    /** Publishes a one-line summary of running streams in gossip, for every node's status display. */
    private void reportStreaming() {
        StringBuilder summary = new StringBuilder();
        for (var p : streamer.sessions()) {
            if (p.state() == StreamProgress.State.RUNNING) {
                summary.append(summary.length() == 0 ? "" : "; ").append(AdminService.describe(p));
            }
        }
        String text = summary.toString();
        if (!text.equals(lastStreaming)) {
            lastStreaming = text;
            membership.setStreaming(text);
        }
    }

    /**
     * Publishes the store's health line in gossip when it changes, for every node's status display:
     * the store itself logs each problem once, where the operator of this node reads it; this is how
     * an operator looking at any node hears of it.
     */
    private void reportStorage(LsmStore store) {
        String text = store.health().describe(ZoneId.systemDefault());
        if (!text.equals(lastStorage)) {
            lastStorage = text;
            membership.setStorage(text);
        }
    }

    /** Completes once this node owns its tokens: at once for a member, after streaming for a joining node. */
    public CompletableFuture<List<Long>> joined() {
        return joined;
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    public InetSocketAddress clientAddress() {
        return clientServer.localAddress();
    }

    /** Stops in reverse order of start, collecting errors so that one failure does not leave the rest running. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Exception> errors = new ArrayList<>();
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                errors.add(e);
                log.error("Error while stopping the node: {}", NodeMain.describe(e));
                TRACES.error("Error while stopping the node", e);
            }
        }
        if (errors.isEmpty()) {
            log.info("Node stopped cleanly");
        }
    }

    static List<InetSocketAddress> parseSeeds(String text) {
        List<InetSocketAddress> seeds = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                try {
                    seeds.add(Addresses.parse(part.trim()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(NodeSettings.CLUSTER_SEEDS.key() + ": " + e.getMessage(), e);
                }
            }
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException(NodeSettings.CLUSTER_SEEDS.key() + ": '" + text
                    + "' (expected: at least one host:port)");
        }
        return seeds;
    }

    private static ExecutorService threads(String name, int count) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(count, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
