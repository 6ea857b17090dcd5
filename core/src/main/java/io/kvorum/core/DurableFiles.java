package io.kvorum.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** The file-system steps that durability depends on, in one place. */
public final class DurableFiles {
    private DurableFiles() {
    }

    /**
     * Fsyncs a directory, making the files created, renamed or deleted in it durable. Without it a
     * power loss can undo a rename that the data already depended on (ext4, xfs).
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Replaces {@code file} with {@code contents} so that after a crash it holds either the old or
     * the new contents: write a temporary sibling, fsync it, rename it over the file, fsync the
     * directory.
     */
    public static void replace(Path file, byte[] contents) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(contents);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(file.toAbsolutePath().getParent());
    }
}
