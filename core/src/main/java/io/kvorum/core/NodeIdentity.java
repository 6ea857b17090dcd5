package io.kvorum.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who this node is, kept in its data directory, and the source of its dots.
 *
 * <p>The rules of DESIGN.md "Data model and causality", which together make a dot name exactly one
 * write, forever:
 * <ul>
 *   <li>the {@link NodeId} is created when the data directory is first used and kept for its life;
 *       a node whose disk was replaced comes back as a new node, never reusing the old dots;
 *   <li>the dot counter is node-wide and strictly increasing across restarts. Counters are
 *       reserved on disk in blocks of {@link #RESERVATION_BLOCK}: a counter is handed out only once
 *       the file says it is reserved, and every start resumes after the whole reservation, so a
 *       restart skips at most a block of counters (of 2^63) but never repeats one, whatever ran
 *       concurrently with a crash or a close;
 *   <li>the epoch changes whenever the node starts after an unclean shutdown (see {@link Actor} for
 *       why: the memtable it lost may have held writes another replica kept).
 * </ul>
 *
 * <p>File {@code identity}: magic u32 "KVID", version u8, node id i64, epoch u32, clean-shutdown
 * u8, reserved-through i64, crc32c u32 of the bytes before it. It is replaced atomically (write a
 * temporary file, fsync it, rename, fsync the directory), so it is always the old or the new one.
 * A damaged file stops the start with {@link CorruptDataException} and is left untouched: guessing
 * an identity could reuse dots.
 *
 * <p>{@link #nextDot} is thread-safe and, outside a reservation, one atomic increment.
 */
public final class NodeIdentity implements DotSource, AutoCloseable {
    /** Counters reserved per write of the identity file. */
    public static final long RESERVATION_BLOCK = 1L << 20;
    static final String FILE_NAME = "identity";
    private static final int MAGIC = 0x4449564b; // "KVID" little-endian
    private static final int VERSION = 1;
    private static final int FILE_BYTES = 4 + 1 + 8 + 4 + 1 + 8 + 4;

    private final Path file;
    private final NodeId nodeId;
    private final Actor actor;
    private final AtomicLong counter;
    private final boolean startedClean;
    private final boolean created;
    private volatile long reservedThrough;
    private volatile boolean closed;

    private NodeIdentity(Path file, NodeId nodeId, Actor actor, long lastCounter, long reservedThrough,
                         boolean startedClean, boolean created) {
        this.file = file;
        this.nodeId = nodeId;
        this.actor = actor;
        this.counter = new AtomicLong(lastCounter);
        this.reservedThrough = reservedThrough;
        this.startedClean = startedClean;
        this.created = created;
    }

    /**
     * Loads the identity of {@code dataDir}, or creates one if the directory has none, and marks
     * the node as running (so that a crash is recognised at the next start).
     *
     * @throws CorruptDataException when the identity file is damaged
     * @throws UncheckedIOException when it cannot be read or written
     */
    public static NodeIdentity open(Path dataDir, RandomSource random) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            Stored stored = read(file);
            boolean created = stored == null;
            NodeId node = created ? NodeId.random(random) : stored.nodeId;
            boolean clean = created || stored.clean;
            int epoch = created ? 0 : clean ? stored.epoch : Math.addExact(stored.epoch, 1);
            long last = created ? 0 : stored.reservedThrough;
            long reserved = last + RESERVATION_BLOCK;
            write(file, new Stored(node, epoch, false, reserved));
            return new NodeIdentity(file, node, new Actor(node, epoch), last, reserved, clean, created);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open node identity " + file + ": " + e.getMessage(), e);
        }
    }

    public NodeId nodeId() {
        return nodeId;
    }

    /** The actor this run writes as: the node id and the current epoch. */
    @Override
    public Actor actor() {
        return actor;
    }

    /** False when the previous run of this data directory ended without {@link #close}. */
    public boolean startedClean() {
        return startedClean;
    }

    /** True when this data directory had no identity before this start. */
    public boolean isNew() {
        return created;
    }

    /** A dot never handed out before by this node, in this or any earlier run. */
    @Override
    public Dot nextDot() {
        if (closed) {
            throw new IllegalStateException("node identity " + file + " is closed");
        }
        long c = counter.incrementAndGet();
        if (c > reservedThrough) {
            reserveThrough(c);
        }
        return new Dot(actor, c);
    }

    private synchronized void reserveThrough(long c) {
        if (closed) {
            throw new IllegalStateException("node identity " + file + " is closed");
        }
        if (c <= reservedThrough) {
            return;
        }
        long next = c + RESERVATION_BLOCK;
        try {
            write(file, new Stored(nodeId, actor.epoch(), false, next));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reserve dot counters in " + file + ": " + e.getMessage(), e);
        }
        reservedThrough = next;
    }

    /** Records a clean shutdown: the next start keeps this epoch. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            write(file, new Stored(nodeId, actor.epoch(), true, reservedThrough));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record clean shutdown in " + file + ": " + e.getMessage(), e);
        }
    }

    private record Stored(NodeId nodeId, int epoch, boolean clean, long reservedThrough) {
    }

    private static Stored read(Path file) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (b.length != FILE_BYTES) {
            throw new CorruptDataException("node identity " + file + " is " + b.length + " bytes (expected: "
                    + FILE_BYTES + "); refusing to start rather than guess an identity");
        }
        if (Bytes.getInt(b, FILE_BYTES - 4) != RecordCodec.crc(b, 0, FILE_BYTES - 4) || Bytes.getInt(b, 0) != MAGIC) {
            throw new CorruptDataException("node identity " + file + " is damaged (checksum mismatch);"
                    + " refusing to start rather than guess an identity");
        }
        if (b[4] != VERSION) {
            throw new CorruptDataException("node identity " + file + " has format version " + b[4] + " (expected: "
                    + VERSION + ")");
        }
        ByteReader in = new ByteReader(b, 5, FILE_BYTES - 9);
        NodeId id = new NodeId(in.readLong());
        int epoch = in.readInt();
        boolean clean = in.readUnsignedByte() == 1;
        long reserved = in.readLong();
        if (epoch < 0 || reserved < 0) {
            throw new CorruptDataException("node identity " + file + " holds epoch " + epoch + " and counter "
                    + reserved + " (expected: both >= 0)");
        }
        return new Stored(id, epoch, clean, reserved);
    }

    private static void write(Path file, Stored s) throws IOException {
        byte[] b = new byte[FILE_BYTES];
        int off = Bytes.putInt(b, 0, MAGIC);
        b[off++] = VERSION;
        off = Bytes.putLong(b, off, s.nodeId.value());
        off = Bytes.putInt(b, off, s.epoch);
        b[off++] = (byte) (s.clean ? 1 : 0);
        off = Bytes.putLong(b, off, s.reservedThrough);
        Bytes.putInt(b, off, RecordCodec.crc(b, 0, off));

        DurableFiles.replace(file, b);
    }

    @Override
    public String toString() {
        return "NodeIdentity{" + actor + ", counter " + counter.get() + "}";
    }
}
