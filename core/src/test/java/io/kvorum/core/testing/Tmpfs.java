package io.kvorum.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A small RAM-backed volume for full-disk tests: a real file system that runs out of space, so the
 * store meets ENOSPC exactly as it would on a full disk, with no fault injected in its code. Mounting
 * needs root (or CAP_SYS_ADMIN); {@link #mount} returns empty where that is not available, and the
 * test skips with an assumption.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;
    private boolean mounted = true;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} (such as {@code 16m}) on a new temporary directory, or empty when it cannot. */
    public static Optional<Tmpfs> mount(String size) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.empty();
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("kvorum-tmpfs-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())) != 0) {
            deleteQuietly(dir);
            return Optional.empty();
        }
        return Optional.of(new Tmpfs(dir));
    }

    /** The mount point. */
    public Path dir() {
        return dir;
    }

    /** Bytes free on the volume now. */
    public long freeBytes() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code file} (under the mount point) until no more than {@code leaveBytes} stay free, or
     * as much as fits; returns its size.
     */
    public long fill(Path file, long leaveBytes) {
        byte[] chunk = new byte[64 * 1024];
        try (var out = Files.newOutputStream(file)) {
            long written = 0;
            while (freeBytes() > leaveBytes) {
                int n = (int) Math.min(chunk.length, Math.max(4096, freeBytes() - leaveBytes));
                try {
                    out.write(chunk, 0, n);
                    out.flush();
                } catch (IOException full) {
                    break;
                }
                written += n;
            }
            return written;
        } catch (IOException e) {
            return sizeOf(file);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Unmounts it (everything on it goes) and removes the mount point. */
    @Override
    public void close() {
        if (!mounted) {
            return;
        }
        mounted = false;
        if (run(List.of("umount", dir.toString())) != 0) {
            run(List.of("umount", "-l", dir.toString()));
        }
        deleteQuietly(dir);
    }

    private static int run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory; the test's result does not depend on it
        }
    }

    @Override
    public String toString() {
        return "tmpfs at " + dir;
    }
}
