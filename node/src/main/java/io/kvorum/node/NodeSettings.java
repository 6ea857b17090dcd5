package io.kvorum.node;

import io.kvorum.coordinator.CoordinatorOptions;
import io.kvorum.gossip.GossipOptions;
import io.kvorum.hints.HintDelivery;
import io.kvorum.hints.HintSettings;
import io.kvorum.streaming.StreamOptions;
import io.kvorum.transport.NettyMessageBus;
import io.kvorum.transport.WireServer;
import io.kvorum.core.Setting;
import io.kvorum.core.Settings;
import io.kvorum.storage.lsm.LsmSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's configuration keys, their defaults and bounds: the cluster, the node's addresses and
 * data, the ring, the transport. Storage keys are {@link LsmSettings}. Every key can be set in
 * {@code conf/kvorum.properties} and overridden with a {@code --key=value} flag.
 */
public final class NodeSettings {
    private static final long MIB = 1024 * 1024;

    private NodeSettings() {
    }

    public static final Setting<String> CLUSTER_NAME = Setting.text("cluster.name", "kvorum",
            "Name every node of one cluster shares; a node presenting another name is refused.");

    public static final Setting<String> CLUSTER_SECRET = Setting.text("cluster.secret", "",
            "Shared secret nodes prove to each other when connecting (HMAC over a fresh nonce; the secret itself"
                    + " never crosses the wire). Required, the same on every node, at least 16 characters, unless"
                    + " cluster.insecure=true. bin/kvorum-cluster makes a random one for each local cluster.");

    public static final Setting<Boolean> CLUSTER_INSECURE = Setting.bool("cluster.insecure", false,
            "Run without cluster.secret: any process that can reach the internode port and knows the cluster"
                    + " name can then act as a node, writing and reading every record. Only for a cluster on"
                    + " loopback or an isolated test network.");

    /** Shorter secrets are guessable offline from one recorded handshake. */
    static final int MIN_SECRET_CHARS = 16;

    public static final Setting<String> CLUSTER_SEEDS = Setting.text("cluster.seeds", "127.0.0.1:7100",
            "Internode addresses (host:port, comma-separated) a node contacts first to find the cluster; gossip"
                    + " finds the rest. List two or three stable nodes, the same on every node. A seed starting with"
                    + " an empty data directory founds the cluster: it takes its share of the ring from its place in"
                    + " the sorted seed list, without streaming. Every other new node joins: it picks tokens, streams"
                    + " the data of its ranges, then serves them. Never list a new node as a seed to add it to a"
                    + " cluster that holds data.");

    public static final Setting<String> RACK = Setting.text("node.rack", "",
            "This node's rack: replicas of a key go to distinct racks where racks allow. Empty: no racks. Set on"
                    + " every node or on none.");

    public static final Setting<Long> MAX_REQUEST_TIMEOUT_MS = Setting.millis("request.max_timeout_ms", 10_000, 1,
            600_000, "The longest timeout a client request may ask for; longer ones are refused. It bounds how long a"
                    + " request begun under an old ring can still be in flight, which ring.change_grace_ms must cover.");

    public static final Setting<Long> RING_CHANGE_GRACE_MS = Setting.millis("ring.change_grace_ms", 10_000, 0,
            600_000, "How long a join, decommission or removal waits, once every live node has seen it, before"
                    + " streaming: a write coordinated just before a node learned of the change may still be in flight."
                    + " At least request.max_timeout_ms; a node refuses to start otherwise.");

    public static final Setting<String> LISTEN_ADDRESS = Setting.text("node.listen_address", "127.0.0.1",
            "The address this node listens on and connects from (outgoing connections bind to it, so"
                    + " partitions between nodes on one machine can be made with iptables).");

    public static final Setting<Integer> INTERNODE_PORT = Setting.integer("node.internode_port", 7100, 1, 65535,
            "Port for other nodes.");

    public static final Setting<Integer> CLIENT_PORT = Setting.integer("node.client_port", 9100, 1, 65535,
            "Port for clients; gossip tells clients each member's client address.");

    public static final Setting<String> DATA_DIR = Setting.text("node.data_dir", "data",
            "Directory holding this node's identity, commit log and SSTables. A node refuses to start on a"
                    + " directory another node is using.");

    public static final Setting<Integer> NUM_TOKENS = Setting.integer("ring.num_tokens", 16, 1, 1536,
            "Virtual nodes per node: more spread load more evenly and stream in smaller pieces.");

    public static final Setting<Integer> REPLICATION_FACTOR = Setting.integer("ring.replication_factor", 3, 1, 9,
            "Copies of every key. A request's n may be lower, never higher.");

    public static final Setting<Long> MAX_FRAME_BYTES = Setting.bytes("transport.max_frame_bytes", 16 * MIB, 64 * 1024,
            1024 * MIB, "Largest message frame accepted from a peer or client; larger frames close the connection.");

    public static final Setting<Long> CONNECT_TIMEOUT_MS = Setting.millis("transport.connect_timeout_ms", 2000, 10,
            60_000, "How long to wait for a TCP connection to a peer.");

    public static final Setting<Integer> CLIENT_MAX_CONNECTIONS = Setting.integer("client.max_connections",
            WireServer.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000, "The most client connections a node keeps open at"
                    + " once; past it a new one is closed at accept, with one rate-limited log line. Keep it well below"
                    + " the process's file-descriptor limit.");

    public static final Setting<Integer> CLIENT_MAX_CONNECTIONS_PER_ADDRESS = Setting.integer(
            "client.max_connections_per_address", WireServer.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, 1, 1_000_000,
            "The most client connections one remote address may hold open, so that one host cannot take them all.");

    public static final Setting<Long> CLIENT_IDLE_TIMEOUT_MS = Setting.millis("client.idle_timeout_ms",
            WireServer.DEFAULT_IDLE_TIMEOUT_MS, 1000, 86_400_000, "A client connection that sends nothing for this"
                    + " long, with no request waiting for its answer, is closed; the client reconnects on its next"
                    + " request.");

    public static final Setting<String> CLIENT_USERS_FILE = Setting.text("client.users_file", "",
            "File of the users a client must authenticate as, one per line (user:role:scram-sha-256:iterations:salt:"
                    + "storedkey, made by 'kvorum-admin hash-password'; # starts a comment). Role data may get, put,"
                    + " delete and read the ring; role admin may do everything, status and ring changes included. The"
                    + " file holds salted keys, not passwords: a copy of it logs nobody in. Read at start. Empty: no"
                    + " authentication, every client may do everything (the node logs a warning); fine on loopback.");

    public static final Setting<Integer> MAX_INBOUND_CONNECTIONS = Setting.integer("transport.max_inbound_connections",
            NettyMessageBus.DEFAULT_MAX_INBOUND_CONNECTIONS, 1, 1_000_000, "The most connections a node accepts from"
                    + " other nodes at once; a member needs about one per peer. Past it a new one is closed at accept.");

    public static final Setting<Integer> MAX_INBOUND_CONNECTIONS_PER_ADDRESS = Setting.integer(
            "transport.max_inbound_connections_per_address", NettyMessageBus.DEFAULT_MAX_INBOUND_CONNECTIONS_PER_ADDRESS,
            1, 1_000_000, "The most internode connections one remote address may hold open.");

    public static final Setting<Integer> STORAGE_THREADS = Setting.integer("node.storage_threads", 8, 1, 256,
            "Threads that run storage work for requests (reads, local applies, durable waits).");

    /**
     * Refuses settings where a request could outlive a ring change's grace: a write coordinated
     * under the old ring and still in flight when streaming starts could then be missed.
     */
    static void checkGraceCoversTimeouts(Settings settings) {
        long grace = settings.get(RING_CHANGE_GRACE_MS);
        long maxTimeout = settings.get(MAX_REQUEST_TIMEOUT_MS);
        if (grace < maxTimeout) {
            throw new IllegalArgumentException(RING_CHANGE_GRACE_MS.key() + ": " + grace + " ms (expected: at least "
                    + MAX_REQUEST_TIMEOUT_MS.key() + ", " + maxTimeout + " ms)");
        }
    }

    /**
     * Refuses to start a node that would accept any peer: no secret, and the operator has not said
     * cluster.insecure=true in so many words.
     */
    static void checkSecret(Settings settings) {
        String secret = settings.get(CLUSTER_SECRET);
        if (secret.isEmpty() && !settings.get(CLUSTER_INSECURE)) {
            throw new IllegalArgumentException(CLUSTER_SECRET.key() + " is empty: this node would accept any peer"
                    + " that knows the cluster name (expected: the same secret of at least " + MIN_SECRET_CHARS
                    + " characters on every node, or " + CLUSTER_INSECURE.key() + "=true for a test cluster on an"
                    + " isolated network)");
        }
        if (!secret.isEmpty() && secret.length() < MIN_SECRET_CHARS) {
            throw new IllegalArgumentException(CLUSTER_SECRET.key() + ": " + secret.length() + " characters (expected:"
                    + " at least " + MIN_SECRET_CHARS + ")");
        }
    }

    /** Every key a node accepts: these, TLS's ({@link TlsSettings}) and the storage engine's. */
    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(List.of(CLUSTER_NAME, CLUSTER_SECRET, CLUSTER_INSECURE, CLUSTER_SEEDS,
                LISTEN_ADDRESS, INTERNODE_PORT, CLIENT_PORT, DATA_DIR, RACK, STORAGE_THREADS, CLIENT_MAX_CONNECTIONS,
                CLIENT_MAX_CONNECTIONS_PER_ADDRESS, CLIENT_IDLE_TIMEOUT_MS, CLIENT_USERS_FILE));
        all.addAll(TlsSettings.clientPortSettings());
        all.addAll(List.of(NUM_TOKENS, REPLICATION_FACTOR,
                MAX_FRAME_BYTES, CONNECT_TIMEOUT_MS, MAX_INBOUND_CONNECTIONS, MAX_INBOUND_CONNECTIONS_PER_ADDRESS));
        all.addAll(TlsSettings.internodeSettings());
        all.addAll(List.of(GossipOptions.INTERVAL_MS, GossipOptions.HEARTBEAT_INTERVAL_MS,
                GossipOptions.PHI_THRESHOLD, GossipOptions.ACCEPTABLE_PAUSE_MS, GossipOptions.RETIRED_RETENTION_MS,
                MAX_REQUEST_TIMEOUT_MS, CoordinatorOptions.MAX_SIBLINGS, CoordinatorOptions.SLOPPY_WRITES,
                RING_CHANGE_GRACE_MS));
        all.addAll(StreamOptions.settings());
        all.addAll(HintSettings.ALL);
        all.addAll(HintDelivery.SETTINGS);
        all.addAll(LsmSettings.ALL);
        return all;
    }
}
