package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.DurableFiles;
import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one compaction all-or-nothing across crashes: its inputs are replaced by all of its outputs
 * or by none of them.
 *
 * <p>A compaction may write several tables (leveled compaction splits its output), and no file
 * system renames several files at once. So the compaction keeps a small log, as Cassandra's
 * {@code LogTransaction} does: the inputs first, then each output <em>before</em> its file is
 * created, then a commit once every output is durable. Only after the commit are the inputs
 * deleted, and then the log.
 *
 * <pre>
 * file   := compaction-{id}.txn, a sequence of records, each fsynced before the step it announces
 * record := u8 kind, i64 generation, u32 crc32c(kind, generation)
 * kind   := 1 input | 2 output | 3 commit (generation unused)
 * </pre>
 *
 * <p>On open ({@link #recover}): a log with its commit record rolls forward (delete the inputs that
 * remain); a log without one, or whose last record is torn, rolls back (delete the outputs, finished
 * or not). Either way the log is then deleted. Deleting inputs only after the commit keeps roll-back
 * safe, and the commit only follows durable outputs keeps roll-forward safe.
 */
final class CompactionTxn implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompactionTxn.class);
    static final String PREFIX = "compaction-";
    static final String SUFFIX = ".txn";
    private static final int RECORD_BYTES = 1 + 8 + 4;
    private static final byte INPUT = 1;
    private static final byte OUTPUT = 2;
    private static final byte COMMIT = 3;

    private final Path dir;
    private final Path file;
    private final FileChannel channel;

    private CompactionTxn(Path dir, Path file, FileChannel channel) {
        this.dir = dir;
        this.file = file;
        this.channel = channel;
    }

    /** Starts the log of a compaction of {@code inputs}; {@code id} names it (its first output's generation). */
    static CompactionTxn begin(Path dir, long id, long[] inputs) {
        Path file = dir.resolve(PREFIX + id + SUFFIX);
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            CompactionTxn txn = new CompactionTxn(dir, file, ch);
            ByteBuffer buf = ByteBuffer.allocate(RECORD_BYTES * inputs.length);
            for (long g : inputs) {
                buf.put(encode(INPUT, g));
            }
            txn.append(buf.flip());
            DurableFiles.fsyncDirectory(dir);
            return txn;
        } catch (IOException e) {
            throw new StorageException("cannot start compaction log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Announces an output before its file is created, so a roll-back knows to delete it. */
    void addOutput(long generation) {
        append(ByteBuffer.wrap(encode(OUTPUT, generation)));
    }

    /** Records that every output is durable: from here on the compaction rolls forward. */
    void commit() {
        append(ByteBuffer.wrap(encode(COMMIT, 0)));
    }

    /** Deletes the log once the inputs are gone; the compaction is then complete. */
    void finish() {
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("cannot delete compaction log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Closes the log without deleting it: an abandoned compaction, rolled back at the next open. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("Cannot close compaction log {}: {}", file, e.getMessage());
        }
    }

    private void append(ByteBuffer buf) {
        try {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot write compaction log " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] encode(byte kind, long generation) {
        byte[] b = new byte[RECORD_BYTES];
        b[0] = kind;
        Bytes.putLong(b, 1, generation);
        Bytes.putInt(b, 9, SSTableFormat.crc(b, 0, 9));
        return b;
    }

    /**
     * Completes or undoes every compaction that a crash interrupted, before the tables are opened.
     * Returns how many logs it resolved.
     */
    static int recover(Path dir) throws IOException {
        List<Path> logs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            s.forEach(logs::add);
        }
        for (Path p : logs) {
            recoverOne(p);
        }
        if (!logs.isEmpty()) {
            DurableFiles.fsyncDirectory(dir);
        }
        return logs.size();
    }

    private static void recoverOne(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        List<Long> inputs = new ArrayList<>();
        List<Long> outputs = new ArrayList<>();
        boolean committed = false;
        for (int off = 0; off + RECORD_BYTES <= all.length; off += RECORD_BYTES) {
            if (Bytes.getInt(all, off + 9) != SSTableFormat.crc(all, off, 9)) {
                if (off + RECORD_BYTES < all.length) {
                    throw new CorruptDataException("compaction log " + p + " is damaged at offset " + off
                            + " before its end; refusing to guess which tables to keep");
                }
                break; // the torn last record of a crash: everything after it never happened
            }
            long g = new ByteReader(all, off + 1, 8).readLong();
            switch (all[off]) {
                case INPUT -> inputs.add(g);
                case OUTPUT -> outputs.add(g);
                case COMMIT -> committed = true;
                default -> throw new CorruptDataException("compaction log " + p + " has a record of kind " + all[off]
                        + " at offset " + off);
            }
        }
        Path dir = p.getParent();
        List<Long> delete = committed ? inputs : outputs;
        for (long g : delete) {
            Files.deleteIfExists(SSTableFormat.path(dir, g));
            Files.deleteIfExists(SSTableFormat.tmpPath(dir, g));
        }
        log.info("{} interrupted compaction {}: deleted its {} {}", committed ? "Completed" : "Rolled back",
                p.getFileName(), committed ? "inputs" : "outputs", delete);
        Files.delete(p);
    }
}
