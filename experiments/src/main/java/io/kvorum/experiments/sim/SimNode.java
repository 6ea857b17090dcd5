package io.kvorum.experiments.sim;

import io.kvorum.coordinator.Coordinator;
import io.kvorum.core.NodeId;
import io.kvorum.sim.SimBus;
import io.kvorum.storage.MemoryReplicaStore;

/** One simulated node: a real coordinator over an in-memory store and a simulated bus. */
public final class SimNode {
    private final NodeId id;
    private final MemoryReplicaStore store;
    private final Coordinator coordinator;
    private final SimBus bus;

    SimNode(NodeId id, MemoryReplicaStore store, Coordinator coordinator, SimBus bus) {
        this.id = id;
        this.store = store;
        this.coordinator = coordinator;
        this.bus = bus;
    }

    public NodeId id() {
        return id;
    }

    /** The node's storage, for checking what a replica holds. */
    public MemoryReplicaStore store() {
        return store;
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    public SimBus bus() {
        return bus;
    }

    @Override
    public String toString() {
        return "node " + id;
    }
}
