package io.kvorum.storage.lsm;

import io.kvorum.storage.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code LOCK} file that keeps a second process, or a second store in this one, off a data
 * directory: two stores appending to one commit log and compacting one set of tables would each
 * delete files the other still needs. An operating-system lock, so a crashed holder lets go.
 * Public for the other modules that keep files of their own (the hint store).
 */
public final class DirectoryLock {
    private static final Logger log = LoggerFactory.getLogger(DirectoryLock.class);
    static final String LOCK_FILE = "LOCK";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} if need be and locks it.
     *
     * @throws StorageException when another store holds it
     */
    public static DirectoryLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new StorageException("data directory " + dir + " is in use by another store (" + LOCK_FILE
                    + " is held)");
        }
        return new DirectoryLock(dir, channel, lock);
    }

    /** Releases the lock; a failure is logged, as the store is closing anyway. */
    public void release() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            log.warn("Cannot release lock of store {}: {}", dir, e.getMessage());
        }
    }
}
