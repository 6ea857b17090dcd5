package io.kvorum.storage.lsm;

import io.kvorum.core.Settings;
import io.kvorum.storage.RecordLimits;
import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.ReplicaStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the LSM engine with background work inline, settling through flush and major compaction. */
class LsmStoreContractTest extends ReplicaStoreContract {
    @TempDir
    Path dir;

    static LsmOptions smallOptions() {
        return LsmOptions.from(Settings.empty()
                .with(RecordLimits.MAX_KEY_BYTES, MAX_KEY_BYTES)
                .with(RecordLimits.MAX_VALUE_BYTES, MAX_VALUE_BYTES)
                .with(LsmSettings.MEMTABLE_MAX_BYTES, 1L << 20)
                .with(LsmSettings.COMMITLOG_SEGMENT_BYTES, 1L << 20)
                .with(LsmSettings.SSTABLE_BLOCK_BYTES, 1024L));
    }

    @Override
    protected ReplicaStore open() {
        return LsmStore.builder(dir).options(smallOptions()).inlineBackgroundWork().open();
    }

    @Override
    protected void settle() {
        store.flush();
        ((LsmStore) store).compact();
    }
}
