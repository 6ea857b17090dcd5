package io.kvorum.experiments.sim;

import io.kvorum.coordinator.Coordinator;
import io.kvorum.node.NodeAssembly;
import io.kvorum.core.NodeId;
import io.kvorum.sim.SimBus;
import io.kvorum.storage.MemoryReplicaStore;

/** One simulated node: the production assembly over an in-memory store and a simulated bus. */
public final class SimNode {
    private final NodeId id;
    private final MemoryReplicaStore store;
    private final NodeAssembly assembly;
    private final SimBus bus;

    SimNode(NodeId id, MemoryReplicaStore store, NodeAssembly assembly, SimBus bus) {
        this.id = id;
        this.store = store;
        this.assembly = assembly;
        this.bus = bus;
    }

    public NodeAssembly assembly() {
        return assembly;
    }

    public NodeId id() {
        return id;
    }

    /** The node's storage, for checking what a replica holds. */
    public MemoryReplicaStore store() {
        return store;
    }

    public Coordinator coordinator() {
        return assembly.coordinator();
    }

    public SimBus bus() {
        return bus;
    }

    @Override
    public String toString() {
        return "node " + id;
    }
}
