package io.kvorum.hints;

import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.DurableFiles;
import io.kvorum.storage.StorageException;
import io.kvorum.storage.lsm.CorruptionPolicy;
import io.kvorum.storage.lsm.EntryLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file that says how far a target's hints have been delivered: every hint that ends at or before
 * its position was acknowledged by the target, so after a crash or restart delivery resumes there.
 * Replaced atomically (temporary file, fsync, rename, directory fsync), so it is never torn; a file
 * that does not check was damaged, and the corruption policy decides. Skipping is safe here: the
 * store delivers the target's hints again from the first one kept, which union makes harmless.
 *
 * <pre>
 * file := u64 magic "KVRMHDLV", u32 version (1), u64 position, u32 crc32c(the 20 bytes before it)
 * </pre>
 */
final class DeliveryCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(DeliveryCheckpoint.class);

    static final String FILE_NAME = "delivered";
    static final int BYTES = 24;
    static final int FORMAT_VERSION = 1;
    /** "KVRMHDLV" read as a little-endian u64. */
    static final long MAGIC = 0x564c44484d52564bL;

    private DeliveryCheckpoint() {
    }

    /** The position recorded in {@code dir}, 0 when none was; damage follows {@code policy}. */
    static long read(Path dir, CorruptionPolicy policy) {
        Path file = dir.resolve(FILE_NAME);
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new StorageException("cannot read hint delivery checkpoint " + file + ": " + e, e);
        }
        String damage = damage(b);
        if (damage == null) {
            return Bytes.getLong(b, 12);
        }
        String key = HintSettings.CORRUPTION_POLICY.key();
        String message = "hint delivery checkpoint " + file + " is damaged: " + damage;
        if (policy == CorruptionPolicy.STOP) {
            throw new CorruptDataException(message + ". Refusing to open the hint store; every file is left as it"
                    + " was. To deliver this node's hints again from the first one kept instead, set " + key + "="
                    + CorruptionPolicy.SKIP_REST_OF_SEGMENT.name().toLowerCase(Locale.ROOT));
        }
        log.error("{}; delivering that node's hints again from the first one kept ({}={})", message, key,
                policy.name().toLowerCase(Locale.ROOT));
        return 0;
    }

    /** Durably records {@code position}; returns once a crash can no longer undo it. */
    static void write(Path dir, long position) {
        Path file = dir.resolve(FILE_NAME);
        try {
            DurableFiles.replace(file, encode(position));
        } catch (IOException e) {
            throw new StorageException("cannot write hint delivery checkpoint " + file + " at "
                    + EntryLog.describe(position) + ": " + e, e);
        }
    }

    static byte[] encode(long position) {
        byte[] b = new byte[BYTES];
        Bytes.putLong(b, 0, MAGIC);
        Bytes.putInt(b, 8, FORMAT_VERSION);
        Bytes.putLong(b, 12, position);
        Bytes.putInt(b, 20, crc(b));
        return b;
    }

    /** How {@code b} fails to be a checkpoint, naming the offset, or null when it is one. */
    private static String damage(byte[] b) {
        if (b.length != BYTES) {
            return "it is " + b.length + " bytes long, not " + BYTES;
        }
        if (Bytes.getInt(b, 20) != crc(b)) {
            // The checksum cannot say which byte changed; the fixed fields can.
            String where = Bytes.getLong(b, 0) != MAGIC ? "offset 0 (magic)"
                    : Bytes.getInt(b, 8) != FORMAT_VERSION ? "offset 8 (version)" : "offset 12..23 (position or checksum)";
            return "checksum mismatch, at " + where;
        }
        if (Bytes.getLong(b, 0) != MAGIC || Bytes.getInt(b, 8) != FORMAT_VERSION || Bytes.getLong(b, 12) < 0) {
            return "not a version " + FORMAT_VERSION + " checkpoint of a position, though its checksum holds";
        }
        return null;
    }

    private static int crc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, 20);
        return (int) crc.getValue();
    }
}
