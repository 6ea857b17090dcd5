package io.kvorum.experiments.sim;

import io.kvorum.coordinator.CoordinatorOptions;
import io.kvorum.gossip.GossipOptions;
import io.kvorum.node.NodeAssembly;
import io.kvorum.ringchanges.RingChanges;
import io.kvorum.storage.RecordLimits;
import io.kvorum.streaming.StreamOptions;

/** The options simulated nodes run with: a real node's defaults, with timeouts sized to the simulation. */
final class SimOptions {
    /** How long a ring change waits for streams another node pulls: far beyond any simulated stream. */
    private static final long FETCH_TIMEOUT_MS = 600_000;

    private SimOptions() {
    }

    /**
     * @param maxRequestTimeoutMs the longest request timeout the workload uses; ring changes wait as
     *     long as grace, as a node's settings require
     */
    static NodeAssembly.Options node(int replicationFactor, int numTokens, long maxRequestTimeoutMs) {
        return new NodeAssembly.Options(
                CoordinatorOptions.of(replicationFactor, RecordLimits.defaults(), maxRequestTimeoutMs),
                StreamOptions.defaults(), new RingChanges.Options(replicationFactor, numTokens, maxRequestTimeoutMs,
                        RingChanges.Options.DEFAULT_SETTLE_TIMEOUT_MS, FETCH_TIMEOUT_MS,
                        GossipOptions.DEFAULT_RETIRED_RETENTION_MS));
    }
}
