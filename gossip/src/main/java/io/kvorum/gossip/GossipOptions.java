package io.kvorum.gossip;

import io.kvorum.core.Checks;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * How a node gossips.
 *
 * @param clusterName peers of another cluster are ignored (the transport's handshake refuses them
 *     too; gossip checks again so that a misrouted message cannot mix two clusters' states)
 * @param seeds internode addresses to contact first; this node's own address may be among them
 * @param intervalMs one digest exchange per interval (Cassandra's and Dynamo's one second)
 * @param detectorIntervalMs how often the failure detector re-evaluates every member
 * @param retiredRetentionMs how long a member that left or was removed stays in gossip before it is
 *     purged, and how long its id stays quarantined after that
 * @param identifyTimeoutMs how long to wait for a seed to say who it is
 * @param detector the phi accrual detector's settings, heartbeat interval included
 */
public record GossipOptions(String clusterName, List<InetSocketAddress> seeds, long intervalMs,
                            long detectorIntervalMs, long retiredRetentionMs, long identifyTimeoutMs,
                            PhiAccrualDetector.Options detector) {
    public static final long DEFAULT_INTERVAL_MS = 1000;
    public static final long DEFAULT_DETECTOR_INTERVAL_MS = 100;
    /** Three days, as Cassandra keeps a removed node's state: longer than any sane outage of a peer. */
    public static final long DEFAULT_RETIRED_RETENTION_MS = 3L * 24 * 3600 * 1000;
    public static final long DEFAULT_IDENTIFY_TIMEOUT_MS = 2000;

    public GossipOptions {
        Objects.requireNonNull(clusterName, "clusterName");
        seeds = List.copyOf(seeds);
        Checks.require(intervalMs >= 10 && intervalMs <= 60_000, "gossip interval ms", intervalMs, "10..60000");
        Checks.require(detectorIntervalMs >= 1 && detectorIntervalMs <= intervalMs, "detector interval ms",
                detectorIntervalMs, "1..gossip interval " + intervalMs);
        Checks.require(retiredRetentionMs >= intervalMs, "retired retention ms", retiredRetentionMs,
                ">= the gossip interval " + intervalMs);
        Checks.requirePositive(identifyTimeoutMs, "identify timeout ms");
        Objects.requireNonNull(detector, "detector");
    }

    /** The defaults, for a cluster name and seeds. */
    public static GossipOptions defaults(String clusterName, List<InetSocketAddress> seeds) {
        return new GossipOptions(clusterName, seeds, DEFAULT_INTERVAL_MS, DEFAULT_DETECTOR_INTERVAL_MS,
                DEFAULT_RETIRED_RETENTION_MS, DEFAULT_IDENTIFY_TIMEOUT_MS, PhiAccrualDetector.Options.defaults());
    }

    public GossipOptions withRetiredRetentionMs(long ms) {
        return new GossipOptions(clusterName, seeds, intervalMs, detectorIntervalMs, ms, identifyTimeoutMs, detector);
    }
}
