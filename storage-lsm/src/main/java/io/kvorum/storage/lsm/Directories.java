package io.kvorum.storage.lsm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** File-system steps that durability depends on. */
final class Directories {
    private Directories() {
    }

    /**
     * Fsyncs a directory, making the files created, renamed or deleted in it durable. Without it a
     * power loss can undo a rename that the data already depended on (ext4, xfs).
     */
    static void fsync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
