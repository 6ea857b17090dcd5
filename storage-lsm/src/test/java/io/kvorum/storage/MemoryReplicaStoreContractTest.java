package io.kvorum.storage;

class MemoryReplicaStoreContractTest extends ReplicaStoreContract {
    @Override
    protected ReplicaStore open() {
        return new MemoryReplicaStore(new RecordLimits(MAX_KEY_BYTES, MAX_VALUE_BYTES));
    }

    @Override
    protected boolean countsDroppedKeysExactly() {
        return true;
    }
}
