package io.kvorum.storage.lsm;

import io.kvorum.storage.ReplicaStore;
import io.kvorum.storage.ReplicaStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract where every settle is a clean close and reopen. */
class LsmStoreRestartContractTest extends ReplicaStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ReplicaStore open() {
        return LsmStore.builder(dir).options(LsmStoreContractTest.smallOptions()).inlineBackgroundWork().open();
    }

    @Override
    protected void settle() {
        store.close();
        store = open();
    }
}
