package io.kvorum.node;

import io.kvorum.coordinator.Coordinator;
import io.kvorum.coordinator.CoordinatorMessages;
import io.kvorum.core.Clock;
import io.kvorum.core.ExecutorScheduler;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeIdentity;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Settings;
import io.kvorum.core.protocol.ClientMessages;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.lsm.LsmOptions;
import io.kvorum.storage.lsm.LsmStore;
import io.kvorum.transport.NettyMessageBus;
import io.kvorum.transport.WireServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
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
 * scheduler, the internode bus with the coordinator's handlers, membership, and last the client
 * port, so that no client request arrives before the node can serve it. Stopping closes the client
 * port first and the storage last, which flushes memtables; only then is a clean shutdown recorded,
 * so the next start keeps its epoch.
 *
 * <p>No static state: tests run several nodes in one JVM.
 */
public final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final NodeIdentity identity;
    private final NettyMessageBus bus;
    private final StaticMembership membership;
    private final Coordinator coordinator;
    private final WireServer clientServer;
    private boolean closed;

    private Node(Settings settings) throws Exception {
        Path dataDir = Path.of(settings.get(NodeSettings.DATA_DIR)).toAbsolutePath();
        Files.createDirectories(dataDir);
        String host = settings.get(NodeSettings.LISTEN_ADDRESS);
        int clientPort = settings.get(NodeSettings.CLIENT_PORT);
        List<InetSocketAddress> members = parseMembers(settings.get(NodeSettings.CLUSTER_MEMBERS));
        try {
            LsmOptions storageOptions = LsmOptions.from(settings);
            LsmStore store = LsmStore.open(dataDir.resolve("storage"), storageOptions);
            started.push(store);

            identity = NodeIdentity.open(dataDir, RandomSource.fromEntropy());
            // A clean shutdown is recorded only once the store has closed cleanly: if closing it
            // fails, the next start must take a new epoch (see io.kvorum.core.Actor).
            started.pop();
            started.push(() -> {
                store.close();
                identity.close();
            });
            log.info("Node {} (epoch {}{}) starting in {}", identity.nodeId(), identity.actor().epoch(),
                    identity.isNew() ? ", new data directory" : identity.startedClean() ? ""
                            : ", after an unclean shutdown", dataDir);

            ExecutorScheduler scheduler = new ExecutorScheduler("kvorum-scheduler");
            started.push(scheduler);
            ExecutorService storageThreads = threads("kvorum-storage", settings.get(NodeSettings.STORAGE_THREADS));
            started.push(() -> {
                storageThreads.shutdown();
                storageThreads.awaitTermination(30, TimeUnit.SECONDS);
            });

            MessageTypes internode = CoordinatorMessages.register(ClientMessages.register(MessageTypes.builder())).build();
            NettyMessageBus.Builder busBuilder = NettyMessageBus.builder(identity.nodeId(), internode)
                    .listen(host, settings.get(NodeSettings.INTERNODE_PORT))
                    .clusterName(settings.get(NodeSettings.CLUSTER_NAME))
                    .maxFrameBytes(Math.toIntExact(settings.get(NodeSettings.MAX_FRAME_BYTES)))
                    .connectTimeoutMs(settings.get(NodeSettings.CONNECT_TIMEOUT_MS));
            String secret = settings.get(NodeSettings.CLUSTER_SECRET);
            if (!secret.isEmpty()) {
                busBuilder.sharedSecret(secret);
            }
            bus = busBuilder.build();

            InetSocketAddress self = new InetSocketAddress(host, settings.get(NodeSettings.INTERNODE_PORT));
            membership = new StaticMembership(bus, scheduler, self, members, settings.get(NodeSettings.NUM_TOKENS),
                    dataDir.resolve("peers"));
            coordinator = new Coordinator(identity, store, membership, bus, scheduler, Clock.system(), storageThreads,
                    settings.get(NodeSettings.REPLICATION_FACTOR),
                    new RecordLimits(storageOptions.maxKeyBytes(), storageOptions.maxValueBytes()));
            coordinator.registerHandlers();
            bus.start();
            started.push(bus);
            membership.start();
            started.push(membership::stop);

            clientServer = WireServer.builder(ClientMessages.types(),
                            new ClientService(coordinator, membership, clientPort))
                    .listen(host, clientPort)
                    .serverName("kvorum node " + identity.nodeId())
                    .maxFrameBytes(Math.toIntExact(settings.get(NodeSettings.MAX_FRAME_BYTES)))
                    .build()
                    .start();
            started.push(clientServer);
            log.info("Node {} serving clients on {}:{} and nodes on {}; cluster {} of {} members", identity.nodeId(),
                    host, clientPort, bus.localAddress(), settings.get(NodeSettings.CLUSTER_NAME), members.size());
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

    public StaticMembership membership() {
        return membership;
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
                log.error("Error while stopping the node", e);
            }
        }
        if (errors.isEmpty()) {
            log.info("Node stopped cleanly");
        }
    }

    static List<InetSocketAddress> parseMembers(String text) {
        List<InetSocketAddress> members = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                members.add(StaticMembership.parseAddress(part.trim()));
            }
        }
        if (members.isEmpty()) {
            throw new IllegalArgumentException(NodeSettings.CLUSTER_MEMBERS.key() + ": '" + text
                    + "' (expected: at least one host:port)");
        }
        return members;
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
