package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Actor;
import io.kvorum.core.Causality;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Settings;
import io.kvorum.core.TokenRange;
import io.kvorum.core.testing.Await;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.Durability;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers, readers and scanners at once on a store whose tiny memtable keeps flushes and
 * compactions running underneath them. Each writer owns its keys and rewrites each one several
 * times, each version superseding the last through the context of a read. Readers check that a
 * key acknowledged at version v reads back as exactly one intact record of version v or later;
 * scanners check order and integrity. At the end every key holds exactly its last version.
 */
class LsmStoreConcurrencyTest {
    private static final int WRITERS = 3;
    private static final int KEYS_PER_WRITER = 400;
    private static final int VERSIONS = 6;

    @TempDir
    Path dir;

    private static Key key(int writer, int k) {
        return Key.of("w" + writer + "-k" + k);
    }

    /** A value naming its key and version, ending in a CRC of the rest so a torn value shows. */
    private static byte[] value(Key key, int version, int padding) {
        byte[] head = (key + "@" + version + ":").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(head.length + padding + 4);
        b.put(head).put(new byte[padding]);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static int versionOf(Record r) {
        byte[] v = r.value();
        CRC32C crc = new CRC32C();
        crc.update(v, 0, v.length - 4);
        assertThat(ByteBuffer.wrap(v, v.length - 4, 4).getInt()).as("intact value of %s", r).isEqualTo((int) crc.getValue());
        String text = new String(v, 0, v.length - 4, StandardCharsets.UTF_8);
        assertThat(text).startsWith(r.key() + "@");
        return Integer.parseInt(text.substring(text.indexOf('@') + 1, text.indexOf(':')));
    }

    @Test
    void concurrentWritersReadersAndScansSeeNoLostOrTornRecords() throws Exception {
        LsmStore store = LsmStore.open(dir, LsmOptions.from(Settings.empty()
                .with(LsmSettings.MEMTABLE_MAX_BYTES, 64L * 1024)
                .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                .with(LsmSettings.SSTABLE_BLOCK_BYTES, 2048L)
                .with(LsmSettings.COMPACTION_MIN_THRESHOLD, 3)
                .with(LsmSettings.BLOCK_CACHE_BYTES, 256L * 1024)));
        AtomicIntegerArray acknowledged = new AtomicIntegerArray(WRITERS * KEYS_PER_WRITER);
        for (int i = 0; i < acknowledged.length(); i++) {
            acknowledged.set(i, -1);
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 3);
        CountDownLatch writersDone = new CountDownLatch(WRITERS);
        List<Future<?>> tasks = new ArrayList<>();
        try {
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                tasks.add(pool.submit(() -> {
                    try {
                        Actor actor = new Actor(new NodeId(writer + 1), 0);
                        long counter = 0;
                        Random random = new Random(writer);
                        for (int version = 0; version < VERSIONS; version++) {
                            for (int k = 0; k < KEYS_PER_WRITER; k++) {
                                Key key = key(writer, k);
                                List<Record> current = store.read(key);
                                Record r = Record.value(key, new Dot(actor, ++counter), Causality.join(current), 1,
                                        value(key, version, random.nextInt(300)));
                                store.apply(r, version % 3 == 0 && k % 50 == 0 ? Durability.DURABLE : Durability.PERIODIC);
                                acknowledged.set(writer * KEYS_PER_WRITER + k, version);
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    } finally {
                        writersDone.countDown();
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                int seed = r;
                tasks.add(pool.submit(() -> {
                    Random random = new Random(100 + seed);
                    try {
                        while (writing.get()) {
                            int slot = random.nextInt(acknowledged.length());
                            int atLeast = acknowledged.get(slot);
                            List<Record> got = store.read(key(slot / KEYS_PER_WRITER, slot % KEYS_PER_WRITER));
                            if (atLeast >= 0) {
                                assertThat(got).hasSize(1);
                                assertThat(versionOf(got.get(0))).isGreaterThanOrEqualTo(atLeast);
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            tasks.add(pool.submit(() -> {
                try {
                    while (writing.get()) {
                        Key previous = null;
                        try (CloseableIterator<Record> it = store.scan(TokenRange.full())) {
                            while (it.hasNext()) {
                                Record r = it.next();
                                if (previous != null) {
                                    assertThat(r.key().compareTo(previous)).isPositive();
                                }
                                versionOf(r);
                                previous = r.key();
                            }
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
            assertThat(writersDone.await(5, TimeUnit.MINUTES)).as("writers finish").isTrue();
        } finally {
            writing.set(false);
            pool.shutdown();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        }
        for (Future<?> f : tasks) {
            f.get();
        }
        assertThat(failures).isEmpty();

        assertThat(store.stats().flushes()).as("flushes ran underneath").isGreaterThan(5);
        Await.until("a compaction has run underneath", Duration.ofSeconds(60), () -> store.stats().compactions() > 0);
        int seen = 0;
        try (CloseableIterator<Record> it = store.scan(TokenRange.full())) {
            while (it.hasNext()) {
                assertThat(versionOf(it.next())).isEqualTo(VERSIONS - 1);
                seen++;
            }
        }
        assertThat(seen).isEqualTo(WRITERS * KEYS_PER_WRITER);
        store.close();
    }
}
