package io.kvorum.storage.lsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Actor;
import io.kvorum.core.Causality;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.Settings;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.storage.Durability;
import io.kvorum.storage.KeyRead;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged data block is contained: reads of its keys answer from the store's other sources,
 * marked incomplete, until the key is restored; other keys read as before; the damage is logged
 * once; compactions and cleanups leave the damaged table out and lose nothing.
 */
class LsmStoreDamageTest {
    private static final Actor A = new Actor(new NodeId(1), 0);
    private static final Actor B = new Actor(new NodeId(2), 0);
    private static final Actor C = new Actor(new NodeId(3), 0);
    private static final int KEYS = 300;

    @TempDir
    Path dir;

    private final long now = System.currentTimeMillis();
    private LsmStore store;
    /** Every record applied, by key. */
    private final TreeMap<Key, List<Record>> applied = new TreeMap<>();
    /** The records of the table that gets damaged, by key. */
    private final TreeMap<Key, List<Record>> inDamagedTable = new TreeMap<>();
    private long damagedGeneration;
    private long counter;

    private LsmStore open() {
        return LsmStore.builder(dir).options(LsmOptions.from(Settings.empty()
                        .with(LsmSettings.MEMTABLE_MAX_BYTES, 1L << 20)
                        .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                        .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L)))
                .inlineBackgroundWork().open();
    }

    private static Key key(int i) {
        return Key.of("key-" + i);
    }

    private Record write(int i, Actor actor) {
        Record r = Record.value(key(i), new Dot(actor, ++counter), VersionVector.EMPTY, now,
                ("value-" + i + "-" + actor.node() + "-padding-to-fill-blocks").getBytes());
        store.apply(r, Durability.PERIODIC);
        applied.merge(r.key(), List.of(r), Causality::merge);
        return r;
    }

    /**
     * Table 1: every key. Table 2: a sibling of every other key. The store is reopened with a byte of
     * table 1's data blocks flipped, then a third sibling of every fourth key (of those not in table 2)
     * goes in the memtable.
     */
    @BeforeEach
    void damagedStore() throws IOException {
        store = open();
        for (int i = 0; i < KEYS; i++) {
            Record r = write(i, A);
            inDamagedTable.put(r.key(), List.of(r));
        }
        store.flush();
        SSTableReader table = (SSTableReader) store.tables().get(0);
        damagedGeneration = table.generation();
        Path file = table.file();
        long dataBytes = table.metadata().dataBytes();
        for (int i = 0; i < KEYS; i += 2) {
            write(i, B);
        }
        store.flush();
        store.close();
        FileDamage.flipByte(file, dataBytes / 2);
        store = open();
        for (int i = 1; i < KEYS; i += 4) {
            write(i, C);
        }
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** What the store holds of {@code key} outside the damaged table. */
    private List<Record> outsideDamagedTable(Key key) {
        List<Record> rest = new ArrayList<>(applied.get(key));
        rest.removeAll(inDamagedTable.getOrDefault(key, List.of()));
        return Causality.resolve(rest);
    }

    /** Reads every key; returns the incomplete ones, having checked every answer. */
    private List<Key> readAll() {
        List<Key> incomplete = new ArrayList<>();
        for (Map.Entry<Key, List<Record>> e : applied.entrySet()) {
            KeyRead read = store.readAvailable(e.getKey());
            if (read.isComplete()) {
                assertThat(read.records()).as("complete read of %s", e.getKey()).isEqualTo(e.getValue());
            } else {
                incomplete.add(e.getKey());
                assertThat(read.records()).as("incomplete read of %s: the other sources", e.getKey())
                        .isEqualTo(outsideDamagedTable(e.getKey()));
                assertThat(read.damage()).contains("table-").contains("checksum mismatch");
            }
        }
        return incomplete;
    }

    @Test
    void aKeyInTheDamagedBlockReadsIncompleteFromTheOtherSourcesOthersAreWholeAndTheDamageIsLoggedOnce() {
        try (LogCapture log = new LogCapture("io.kvorum.storage.lsm")) {
            List<Key> incomplete = readAll();
            assertThat(readAll()).isEqualTo(incomplete);
            assertThat(readAll()).isEqualTo(incomplete);

            assertThat(incomplete).as("the keys of one block").isNotEmpty().hasSizeLessThan(KEYS / 4);
            assertThat(incomplete.stream().map(this::outsideDamagedTable).filter(r -> !r.isEmpty()))
                    .as("some damaged keys have records in the memtable or another table").isNotEmpty();
            assertThat(log.warningsContaining("Corrupt data block")).hasSize(1);
            assertThat(log.warningsContaining("Corrupt data block").get(0)).contains(dir.toString())
                    .contains("at offset");
            Key damaged = incomplete.get(0);
            assertThatThrownBy(() -> store.read(damaged)).isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("checksum mismatch").hasMessageContaining("until read repair restores it");
            StoreHealth health = store.health();
            assertThat(health.damagedBlocks()).isEqualTo(1);
            assertThat(health.damagedTables()).isEqualTo(1);
            assertThat(health.describe(ZoneOffset.UTC)).isEqualTo("corrupt blocks: 1 in 1 table");
        }
    }

    @Test
    void aRestoredKeyReadsWholeAgainUntilARestartFindsTheDamageAgain() {
        List<Key> incomplete = readAll();
        Key restored = incomplete.get(0);
        Key other = incomplete.get(1);

        store.restore(restored, inDamagedTable.get(restored), Durability.PERIODIC);

        assertThat(store.readAvailable(restored)).isEqualTo(KeyRead.complete(applied.get(restored)));
        assertThat(store.read(restored)).isEqualTo(applied.get(restored));
        assertThat(store.readAvailable(other).isComplete()).as("only the restored key").isFalse();

        store.close();
        store = open();
        KeyRead again = store.readAvailable(restored);
        assertThat(again.isComplete()).as("in memory only: the restart finds the damage again").isFalse();
        assertThat(again.records()).as("the repaired records are in a healthy table now")
                .isEqualTo(applied.get(restored));
        store.restore(restored, List.of(), Durability.PERIODIC);
        assertThat(store.readAvailable(restored)).isEqualTo(KeyRead.complete(applied.get(restored)));
    }

    @Test
    void aCompactionThatMeetsTheDamageRollsBackAndLaterOnesLeaveTheTableOut() {
        try (LogCapture log = new LogCapture("io.kvorum.storage.lsm")) {
            store.flush();
            int tablesBefore = store.tables().size();
            assertThat(tablesBefore).isEqualTo(3);

            store.compact(); // meets the damaged block, not yet known: rolls back

            assertThat(store.health().stopped()).isEmpty();
            assertThat(store.generations()).contains(damagedGeneration).hasSize(tablesBefore);
            assertThat(log.warningsContaining("gave up, rolled back with nothing lost")).hasSize(1);

            store.compact(); // leaves it out: merges the other two

            assertThat(store.generations()).contains(damagedGeneration).hasSize(2);
            List<Key> incomplete = readAll();
            assertThat(incomplete).isNotEmpty();
            for (int round = 0; round < 3; round++) {
                write(round, A);
                store.flush();
                store.compact();
            }
            assertThat(store.generations()).contains(damagedGeneration).hasSize(2);
            assertThat(readAll()).isEqualTo(incomplete);
            assertThat(log.warningsContaining("Corrupt data block")).hasSize(1);
            assertThat(log.warningsContaining("gave up")).hasSize(1);
            assertThat(log.warningsContaining("leave it out")).isEmpty();
        }
    }

    @Test
    void aTableFoundDamagedByAReadIsLeftOutOfCompactionsAnnouncedOnce() {
        try (LogCapture log = new LogCapture("io.kvorum.storage.lsm")) {
            List<Key> incomplete = readAll();
            store.flush();
            store.compact();
            store.compact();

            assertThat(store.generations()).contains(damagedGeneration).hasSize(2);
            assertThat(log.warningsContaining("compactions leave it out")).hasSize(1);
            assertThat(log.warningsContaining("gave up")).isEmpty();
            assertThat(readAll()).isEqualTo(incomplete);
        }
    }

    @Test
    void aCleanupLeavesADamagedTableThatKeepsKeysAsItIs() {
        try (LogCapture log = new LogCapture("io.kvorum.storage.lsm")) {
            List<Key> incomplete = readAll();
            TokenRange keep = TokenRange.of(Token.MIN, 0);
            store.retainOnly(List.of(keep));

            assertThat(store.health().stopped()).isEmpty();
            assertThat(store.generations()).contains(damagedGeneration);
            assertThat(log.warningsContaining("Cleanup leaves SSTable")).hasSize(1);
            for (Key k : incomplete) {
                if (keep.contains(k.token())) {
                    assertThat(store.readAvailable(k).isComplete()).isFalse();
                }
            }
        }
    }
}
