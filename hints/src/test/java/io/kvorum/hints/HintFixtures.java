package io.kvorum.hints;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import io.kvorum.storage.lsm.EntryLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Hints that say which they are, and the damage hint-store tests do to files. */
final class HintFixtures {
    static final NodeId A = new NodeId(0xaL);
    static final NodeId B = new NodeId(0xbL);
    static final NodeId C = new NodeId(0xcL);

    private HintFixtures() {
    }

    /** The records of hint number {@code id}: one value of {@code valueBytes} under the key "hint-{id}". */
    static List<Record> records(int id, int valueBytes) {
        byte[] value = new byte[valueBytes];
        new Random(id).nextBytes(value);
        return List.of(Record.value(Key.of("hint-" + id), new Dot(new Actor(new NodeId(7), 0), id + 1L),
                VersionVector.EMPTY, 1_000 + id, value));
    }

    /** The number of the hint, as {@link #records} made it. */
    static int idOf(Hint h) {
        String key = new String(h.records().get(0).key().toByteArray(), UTF_8);
        return Integer.parseInt(key.substring("hint-".length()));
    }

    static List<Integer> ids(List<Hint> hints) {
        return hints.stream().map(HintFixtures::idOf).collect(Collectors.toList());
    }

    /** What a hint of that size is charged against the bounds. */
    static long charge(long createdAtMillis, int id, int valueBytes) {
        return EntryLog.footprint(HintCodec.encode(createdAtMillis, records(id, valueBytes)).length - EntryLog.HEADER_BYTES);
    }

    /** Every hint of {@code target} from the start, read in batches. */
    static List<Hint> readAll(HintStore store, NodeId target) {
        List<Hint> out = new ArrayList<>();
        HintCursor at = HintCursor.START;
        while (true) {
            HintBatch b = store.next(target, at, 1000);
            if (b.isEmpty()) {
                return out;
            }
            out.addAll(b.hints());
            at = b.end();
        }
    }

    /** Bytes of every file under {@code dir}. */
    static long diskBytes(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            if (ch.read(b, offset) != 1) {
                throw new IOException("no byte at offset " + offset + " of " + file);
            }
            b.put(0, (byte) (b.get(0) ^ 0x5a));
            b.rewind();
            ch.write(b, offset);
        }
    }

    static void truncate(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
    }

    /** Writes zeros, or random bytes if {@code garbage} is given, over {@code [at, at + length)} within the file. */
    static void overwrite(Path file, long at, long length, Random garbage) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long end = Math.min(ch.size(), at + length);
            if (end <= at) {
                return;
            }
            byte[] bytes = new byte[(int) (end - at)];
            if (garbage != null) {
                garbage.nextBytes(bytes);
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, at + b.position());
            }
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
