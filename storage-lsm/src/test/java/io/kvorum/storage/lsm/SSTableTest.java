package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Actor;
import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import io.kvorum.storage.KeyInterval;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SSTableTest {
    private static final int BLOCK_BYTES = 1024;

    @TempDir
    Path dir;

    private final BlockCache cache = new BlockCache(1 << 20);

    /** 500 keys, every fifth with two sibling records and every seventh a tombstone. */
    private TreeMap<Key, List<Record>> sample() {
        TreeMap<Key, List<Record>> groups = new TreeMap<>();
        long counter = 0;
        for (int i = 0; i < 500; i++) {
            Key k = Key.of("key-" + i);
            List<Record> records = new ArrayList<>();
            int n = i % 5 == 0 ? 2 : 1;
            for (int j = 0; j < n; j++) {
                Dot dot = new Dot(new Actor(new NodeId(j + 1), 0), ++counter);
                records.add(i % 7 == 0
                        ? Record.tombstone(k, dot, VersionVector.EMPTY, 1000 + i)
                        : Record.value(k, dot, VersionVector.EMPTY, 1000 + i, ("value-" + i + "-" + j).getBytes()));
            }
            groups.put(k, records);
        }
        return groups;
    }

    private SSTableReader write(long generation, TreeMap<Key, List<Record>> groups) {
        try (SSTableWriter w = SSTableWriter.create(dir, generation, BLOCK_BYTES, 10, null)) {
            groups.forEach(w::append);
            return w.finish(7, 2, cache);
        }
    }

    @Test
    void everyKeyReadsBackAndAbsentKeysAreAbsent() {
        TreeMap<Key, List<Record>> groups = sample();
        SSTableReader t = write(1, groups);
        assertThat(t.metadata().keyCount()).isEqualTo(500);
        assertThat(t.metadata().recordCount()).isEqualTo(600);
        assertThat(t.metadata().replayedThroughSegment()).isEqualTo(7);
        assertThat(t.metadata().level()).isEqualTo(2);
        for (var e : groups.entrySet()) {
            assertThat(t.mayContain(e.getKey())).isTrue();
            assertThat(t.get(e.getKey())).isEqualTo(e.getValue());
        }
        for (int i = 0; i < 200; i++) {
            assertThat(t.get(Key.of("absent-" + i))).isEmpty();
        }
        t.unref();
    }

    @Test
    void scansReturnTheGroupsOfTheirIntervalInOrder() {
        TreeMap<Key, List<Record>> groups = sample();
        SSTableReader t = write(1, groups);
        assertThat(collect(t.scan(new KeyInterval(null, null)))).containsExactlyElementsOf(groups.entrySet().stream()
                .map(e -> new KeyGroup(e.getKey(), e.getValue())).toList());

        List<Key> keys = new ArrayList<>(groups.keySet());
        long start = keys.get(100).token();
        long end = keys.get(300).token();
        List<KeyGroup> expected = groups.entrySet().stream()
                .filter(e -> e.getKey().token() > start && e.getKey().token() <= end)
                .map(e -> new KeyGroup(e.getKey(), e.getValue())).toList();
        assertThat(collect(t.scan(KeyInterval.of(TokenRange.of(start, end)).get(0)))).containsExactlyElementsOf(expected);
        t.unref();
    }

    @Test
    void aKeyLargerThanABlockGetsABlockOfItsOwn() {
        TreeMap<Key, List<Record>> groups = sample();
        Key big = Key.of("big");
        groups.put(big, List.of(Record.value(big, new Dot(new Actor(new NodeId(9), 0), 99_999), VersionVector.EMPTY,
                1, new byte[10 * BLOCK_BYTES])));
        SSTableReader t = write(1, groups);
        assertThat(t.get(big)).isEqualTo(groups.get(big));
        assertThat(collect(t.scan(new KeyInterval(null, null)))).hasSize(groups.size());
        t.unref();
    }

    @Test
    void theTableFileAppearsOnlyWhenFinished() throws IOException {
        SSTableWriter w = SSTableWriter.create(dir, 5, BLOCK_BYTES, 10, null);
        sample().forEach(w::append);
        assertThat(Files.exists(SSTableFormat.tmpPath(dir, 5))).isTrue();
        assertThat(Files.exists(SSTableFormat.path(dir, 5))).isFalse();
        w.abort();
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void keysOutOfOrderAreAProgrammingError() {
        try (SSTableWriter w = SSTableWriter.create(dir, 1, BLOCK_BYTES, 10, null)) {
            TreeMap<Key, List<Record>> groups = sample();
            w.append(groups.lastKey(), groups.lastEntry().getValue());
            assertThatThrownBy(() -> w.append(groups.firstKey(), groups.firstEntry().getValue()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("out of order");
        }
    }

    @Test
    void obsoleteTablesAreDeletedWhenTheLastReferenceGoes() {
        SSTableReader t = write(1, sample());
        assertThat(t.tryRef()).isTrue();
        AtomicBoolean deleted = new AtomicBoolean();
        t.markObsolete(() -> deleted.set(true));
        t.unref();
        assertThat(Files.exists(t.file())).isTrue();
        assertThat(deleted).isFalse();
        t.unref();
        assertThat(Files.exists(t.file())).isFalse();
        assertThat(deleted).isTrue();
        assertThat(t.tryRef()).isFalse();
    }

    // ------------------------------------------------------------------ corruption

    private record Layout(long dataEnd, long filterOffset, long indexOffset, long metaOffset, long footerOffset) {
    }

    private Layout layout(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int f = all.length - SSTableFormat.FOOTER_BYTES;
        long filter = Bytes.getLong(all, f + 12);
        long index = Bytes.getLong(all, f + 24);
        long meta = Bytes.getLong(all, f + 36);
        return new Layout(filter, filter, index, meta, f);
    }

    @Test
    void aDamagedDataBlockIsReportedNamingTheFileAndNeverReturnedAsData() throws IOException {
        TreeMap<Key, List<Record>> groups = sample();
        SSTableReader t = write(1, groups);
        Path file = t.file();
        t.unref();
        FileDamage.flipByte(file, layout(file).dataEnd() / 2);

        SSTableReader reopened = SSTableReader.open(file, 1, new BlockCache(1 << 20));
        int damaged = 0;
        for (Key k : groups.keySet()) {
            try {
                assertThat(reopened.get(k)).isEqualTo(groups.get(k));
            } catch (CorruptDataException e) {
                assertThat(e).hasMessageContaining(file.getFileName().toString()).hasMessageContaining("checksum");
                damaged++;
            }
        }
        assertThat(damaged).isPositive();
        assertThatThrownBy(() -> collect(reopened.scan(new KeyInterval(null, null))))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining(file.getFileName().toString());
        reopened.unref();
    }

    @Test
    void aDamagedDataBlockIsLoggedOnceWithItsFileAndOffsetHoweverOftenItIsRead() throws IOException {
        TreeMap<Key, List<Record>> groups = sample();
        SSTableReader t = write(1, groups);
        Path file = t.file();
        t.unref();
        FileDamage.flipByte(file, layout(file).dataEnd() / 2);

        SSTableReader reopened = SSTableReader.open(file, 1, new BlockCache(1 << 20));
        try (LogCapture log = new LogCapture(SSTableReader.class.getName())) {
            int failures = 0;
            for (int round = 0; round < 3; round++) {
                for (Key k : groups.keySet()) {
                    try {
                        reopened.get(k);
                    } catch (CorruptDataException e) {
                        failures++;
                    }
                }
            }
            assertThat(failures).isGreaterThanOrEqualTo(3);
            assertThat(reopened.damagedBlocks()).isEqualTo(1);
            assertThat(log.warnings()).hasSize(1);
            assertThat(log.warnings().get(0)).contains(file.toString()).contains("at offset").contains("Corrupt data block");
        } finally {
            reopened.unref();
        }
    }

    @Test
    void damageInFilterIndexMetadataOrFooterIsFoundOnOpen() throws IOException {
        String[] parts = {"bloom filter", "index", "metadata", "footer"};
        for (int p = 0; p < parts.length; p++) {
            Path gen = dir.resolve("case-" + p);
            Files.createDirectories(gen);
            SSTableReader t;
            try (SSTableWriter w = SSTableWriter.create(gen, 1, BLOCK_BYTES, 10, null)) {
                sample().forEach(w::append);
                t = w.finish(-1, 0, cache);
            }
            Path file = t.file();
            t.unref();
            Layout l = layout(file);
            long[] offsets = {l.filterOffset() + 3, l.indexOffset() + 5, l.metaOffset() + 2, l.footerOffset() + 20};
            FileDamage.flipByte(file, offsets[p]);
            String part = parts[p];
            assertThatThrownBy(() -> SSTableReader.open(file, 1, cache))
                    .as(part)
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining(part);
        }
    }

    @Test
    void aTruncatedTableIsFoundOnOpen() throws IOException {
        SSTableReader t = write(1, sample());
        Path file = t.file();
        t.unref();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        assertThatThrownBy(() -> SSTableReader.open(file, 1, cache)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.toString());
    }

    private static List<KeyGroup> collect(Iterator<KeyGroup> it) {
        List<KeyGroup> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
