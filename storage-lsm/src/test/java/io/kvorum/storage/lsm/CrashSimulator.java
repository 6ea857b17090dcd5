package io.kvorum.storage.lsm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Leaves a store's files as a machine crash would: the process stops at once, and the commit log
 * loses an arbitrary part of what was never fsynced. Bytes after a random cut point between the
 * synced and the written position are truncated away, zeroed or overwritten with garbage; later
 * segments are destroyed. Memtables are lost with the process.
 */
final class CrashSimulator {
    private CrashSimulator() {
    }

    /** Crashes {@code store} and damages its unsynced log tail; returns the cut position. */
    static long crash(LsmStore store, Random random) throws IOException {
        CommitLog log = store.commitLog();
        long synced = log.syncedPosition();
        long written = log.writtenPosition();
        Path logDir = store.directory().resolve(LsmStore.COMMITLOG_DIR);
        store.crashForTest();
        long cut = synced + (written > synced ? (long) (random.nextDouble() * (written - synced + 1)) : 0);
        long cutSegment = cut >>> 32;
        long cutOffset = cut & 0xffffffffL;
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path p : files.sorted().toList()) {
                long id = segmentId(p);
                if (id < cutSegment) {
                    continue;
                }
                destroyFrom(p, id == cutSegment ? cutOffset : 0, random);
            }
        }
        return cut;
    }

    private static long segmentId(Path p) {
        String digits = p.getFileName().toString().replaceAll("\\D", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits);
    }

    private static void destroyFrom(Path file, long offset, Random random) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (offset >= size) {
                return;
            }
            switch (random.nextInt(3)) {
                case 0 -> ch.truncate(offset);
                case 1 -> fill(ch, offset, size, (byte) 0, null);
                default -> fill(ch, offset, Math.min(size, offset + 1 + random.nextInt(64)), (byte) 0, random);
            }
        }
    }

    private static void fill(FileChannel ch, long from, long to, byte value, Random garbage) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long at = from; at < to; ) {
            int n = (int) Math.min(buf.capacity(), to - at);
            buf.clear().limit(n);
            for (int i = 0; i < n; i++) {
                buf.put(i, garbage == null ? value : (byte) garbage.nextInt(256));
            }
            at += ch.write(buf, at);
        }
    }
}
