package io.kvorum.node;

import io.kvorum.client.AdminClient;
import io.kvorum.client.KvorumClient;
import io.kvorum.core.testing.Await;
import io.kvorum.transport.TlsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Real Kvorum nodes, each its own JVM process, on loopback addresses 127.0.0.{first}.. for
 * integration tests. Started from {@code target/kvorum.jar}, the jar the bin scripts run, with the
 * same flags {@code bin/kvorum-cluster} passes. Every process it starts it also stops, and it deletes
 * the nodes' directories when closed.
 */
final class LocalCluster implements AutoCloseable {
    static final int INTERNODE_PORT = 17100;
    static final int CLIENT_PORT = 19100;

    private final Path dir;
    /** The founding nodes, 0 .. founders-1: the seeds. Nodes started later join through them. */
    private final int founders;
    private final int size;
    private final int firstAddress;
    private final List<String> extraFlags;
    /** Flags of one node only, such as its own key file. */
    private final IntFunction<List<String>> nodeFlags;
    /** How the test's clients connect: null for plaintext, else over TLS. */
    private final TlsConfig clientTls;
    private final Process[] processes;
    /** Each test cluster its own secret, as bin/kvorum-cluster gives each of its clusters. */
    private final String secret = java.util.HexFormat.of().formatHex(randomBytes());

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private LocalCluster(Path dir, int founders, int capacity, int firstAddress, List<String> extraFlags,
            IntFunction<List<String>> nodeFlags, TlsConfig clientTls) {
        this.dir = dir;
        this.founders = founders;
        this.size = capacity;
        this.firstAddress = firstAddress;
        this.extraFlags = List.copyOf(extraFlags);
        this.nodeFlags = nodeFlags;
        this.clientTls = clientTls;
        this.processes = new Process[capacity];
    }

    /** Starts {@code size} nodes on 127.0.0.{firstAddress}.. and waits until every one serves clients. */
    static LocalCluster start(Path dir, int size, int firstAddress) {
        return start(dir, size, firstAddress, size, List.of());
    }

    /**
     * Starts {@code founders} founding nodes on 127.0.0.{firstAddress}.., with room for
     * {@code capacity} nodes in all (the rest join later, {@link #startNode}), every node with
     * {@code extraFlags}; waits until every founder serves clients and sees the others up.
     */
    static LocalCluster start(Path dir, int founders, int firstAddress, int capacity, List<String> extraFlags) {
        return start(new LocalCluster(dir, founders, capacity, firstAddress, extraFlags, node -> List.of(), null));
    }

    /**
     * Starts {@code size} founding nodes, node {@code i} with {@code nodeFlags.apply(i)} (its own TLS
     * key, say); the test's clients and the readiness checks connect with {@code clientTls}.
     */
    static LocalCluster startWithTls(Path dir, int size, int firstAddress, IntFunction<List<String>> nodeFlags,
            TlsConfig clientTls) {
        return start(new LocalCluster(dir, size, size, firstAddress, List.of(), nodeFlags, clientTls));
    }

    private static LocalCluster start(LocalCluster c) {
        int founders = c.founders;
        try {
            for (int i = 0; i < founders; i++) {
                c.startNode(i);
            }
            c.awaitReady(founders);
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    String host(int node) {
        return "127.0.0." + (firstAddress + node);
    }

    String clientAddress(int node) {
        return host(node) + ":" + CLIENT_PORT;
    }

    /** The client addresses of the nodes running now (all of them before any has started). */
    List<String> clientAddresses() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (isRunning(i)) {
                all.add(clientAddress(i));
            }
        }
        return all;
    }

    KvorumClient client() {
        KvorumClient.Builder b = KvorumClient.builder().seeds(clientAddresses()).requestTimeout(Duration.ofSeconds(5));
        if (clientTls != null) {
            b.tls(clientTls);
        }
        return b.build();
    }

    Path nodeDir(int node) {
        return dir.resolve("node-" + (node + 1));
    }

    /** The command line that starts node {@code node}, as bin/kvorum-node builds it. */
    List<String> command(int node, List<String> extraFlags) {
        // Every founding node is a seed, so the cluster founds itself at once; later nodes join.
        StringBuilder seeds = new StringBuilder();
        for (int i = 0; i < founders; i++) {
            seeds.append(i == 0 ? "" : ",").append(host(i)).append(':').append(INTERNODE_PORT);
        }
        Path jar = Path.of("target", "kvorum.jar").toAbsolutePath();
        Path logback = Path.of("..", "conf", "logback.xml").toAbsolutePath().normalize();
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=" + logback, "-Dkvorum.log.dir=" + nodeDir(node).resolve("logs"),
                "-Dkvorum.node.name=node-" + (node + 1),
                "-cp", jar.toString(), "io.kvorum.node.NodeMain",
                "--cluster.seeds=" + seeds, "--node.listen_address=" + host(node),
                "--node.internode_port=" + INTERNODE_PORT, "--node.client_port=" + CLIENT_PORT,
                "--node.data_dir=" + nodeDir(node).resolve("data"), "--cluster.secret=" + secret,
                "--storage.memtable_max_bytes=8MiB", "--storage.block_cache_bytes=16MiB",
                "--node.storage_threads=2"));
        cmd.addAll(this.extraFlags);
        cmd.addAll(extraFlags);
        return cmd;
    }

    void startNode(int node) {
        startNode(node, List.of());
    }

    /** Starts node {@code node} with {@code flags} after the cluster's own, so they override them. */
    void startNode(int node, List<String> flags) {
        try {
            Files.createDirectories(nodeDir(node).resolve("logs"));
            List<String> all = new ArrayList<>(nodeFlags.apply(node));
            all.addAll(flags);
            processes[node] = new ProcessBuilder(command(node, all))
                    .redirectErrorStream(true)
                    .redirectOutput(nodeDir(node).resolve("logs").resolve("console.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + (node + 1), e);
        }
    }

    /** Waits until node {@code node} accepts client connections (or fails the test if its process died). */
    void awaitClientPort(int node) {
        Await.until("node " + (node + 1) + " listens on " + clientAddress(node), Duration.ofSeconds(60), () -> {
            if (!processes[node].isAlive()) {
                throw new AssertionError("node " + (node + 1) + " exited with " + processes[node].exitValue()
                        + "; see " + nodeDir(node).resolve("logs"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host(node), CLIENT_PORT), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Waits until every running node serves clients and sees every member in its ring, up. */
    void awaitReady() {
        awaitReady(size);
    }

    /** Waits until every running node serves clients and sees {@code members} members in its ring, all up. */
    void awaitReady(int members) {
        for (int i = 0; i < size; i++) {
            if (isRunning(i)) {
                awaitClientPort(i);
            }
        }
        for (int i = 0; i < size; i++) {
            if (!isRunning(i)) {
                continue;
            }
            // Asked of node i itself (the routing client may ask any node): NORMAL members only, all up.
            int node = i;
            Await.until("node " + (node + 1) + " sees " + members + " NORMAL members, all up", Duration.ofSeconds(120),
                    () -> {
                        try (AdminClient admin = AdminClient.connect(clientAddress(node), Duration.ofSeconds(2),
                                clientTls)) {
                            var rows = admin.status(Duration.ofSeconds(2)).members();
                            long normal = rows.stream().filter(m -> m.status().equals("NORMAL")).count();
                            boolean changing = rows.stream().anyMatch(m -> m.status().equals("JOINING")
                                    || m.status().equals("LEAVING") || m.status().equals("REMOVING"));
                            return normal == members && !changing && rows.stream()
                                    .filter(m -> m.status().equals("NORMAL")).allMatch(m -> m.up());
                        } catch (RuntimeException e) {
                            return false;
                        }
                    });
        }
    }

    /** Waits until node {@code node}'s process has exited (a decommissioned node stops by itself). */
    void awaitStopped(int node, Duration within) {
        Await.until("node " + (node + 1) + " stops", within, () -> !isRunning(node));
    }

    /** The lines node {@code node} has written to its console so far. */
    List<String> consoleLines(int node) {
        try {
            return Files.readAllLines(nodeDir(node).resolve("logs").resolve("console.out"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** kill -9. */
    void kill(int node) {
        processes[node].destroyForcibly();
        awaitExit(node);
    }

    /** SIGTERM, and wait for the clean shutdown to finish. */
    void stop(int node) {
        processes[node].destroy();
        awaitExit(node);
    }

    boolean isRunning(int node) {
        return processes[node] != null && processes[node].isAlive();
    }

    int exitValue(int node) {
        return processes[node].exitValue();
    }

    private void awaitExit(int node) {
        try {
            if (!processes[node].waitFor(60, TimeUnit.SECONDS)) {
                processes[node].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < size; i++) {
            if (processes[i] != null && processes[i].isAlive()) {
                processes[i].destroyForcibly();
                awaitExit(i);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
