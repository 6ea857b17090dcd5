package io.kvorum.storage.lsm;

import io.kvorum.core.Settings;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.ReplicaStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract under leveled compaction, with output split into many small tables. */
class LsmStoreLeveledContractTest extends ReplicaStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ReplicaStore open() {
        return LsmStore.builder(dir).options(LsmOptions.from(Settings.empty()
                        .with(RecordLimits.MAX_KEY_BYTES, MAX_KEY_BYTES)
                        .with(RecordLimits.MAX_VALUE_BYTES, MAX_VALUE_BYTES)
                        .with(LsmSettings.COMPACTION_STRATEGY, CompactionStrategy.LEVELED)
                        .with(LsmSettings.COMPACTION_MIN_THRESHOLD, 2)
                        .with(LsmSettings.LEVELED_TABLE_BYTES, 64L * 1024)
                        .with(LsmSettings.LEVELED_LEVEL1_BYTES, 128L * 1024)
                        .with(LsmSettings.MEMTABLE_MAX_BYTES, 64L * 1024)
                        .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                        .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L)))
                .inlineBackgroundWork().open();
    }

    @Override
    protected void settle() {
        store.flush();
        ((LsmStore) store).compact();
    }
}
