package io.kvorum.storage.lsm;

import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.ReplicaStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract with flushes, compactions and periodic syncs on the store's own threads. */
class LsmStoreBackgroundContractTest extends ReplicaStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ReplicaStore open() {
        return LsmStore.open(dir, LsmStoreContractTest.smallOptions());
    }

    @Override
    protected void settle() {
        store.flush();
        ((LsmStore) store).compact();
    }
}
