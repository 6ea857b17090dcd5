package io.kvorum.gossip;

import io.kvorum.core.Checks;
import io.kvorum.core.Setting;
import io.kvorum.core.Settings;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * How a node gossips, and the settings an operator tunes it with (each default here once, in the
 * constants below and in {@link PhiAccrualDetector.Options}).
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

    public static final Setting<Long> INTERVAL_MS = Setting.millis("gossip.interval_ms", DEFAULT_INTERVAL_MS, 10,
            60_000, "How often a node exchanges membership digests with a random peer.");

    public static final Setting<Long> HEARTBEAT_INTERVAL_MS = Setting.millis("gossip.heartbeat_interval_ms",
            PhiAccrualDetector.Options.DEFAULT_HEARTBEAT_INTERVAL_MILLIS, 10, 10_000,
            "How often a node sends a heartbeat to every member; the failure detector learns from their"
                    + " arrivals. 250 ms lets it convict a dead node in about two seconds while tolerating several"
                    + " lost heartbeats in a row.");

    public static final Setting<Double> PHI_THRESHOLD = Setting.decimal("gossip.phi_convict_threshold",
            PhiAccrualDetector.Options.DEFAULT_THRESHOLD, 1.0, 16.0,
            "Suspicion (phi) at which a member is marked down. Each step of one makes a false down ten times less"
                    + " likely and detection a little slower.");

    public static final Setting<Long> ACCEPTABLE_PAUSE_MS = Setting.millis("gossip.acceptable_pause_ms",
            PhiAccrualDetector.Options.DEFAULT_ACCEPTABLE_PAUSE_MILLIS, 0, 60_000,
            "A silence of this much beyond the usual heartbeat interval is tolerated before suspicion rises:"
                    + " room for a peer's GC pause.");

    public static final Setting<Long> RETIRED_RETENTION_MS = Setting.millis("gossip.retired_retention_ms",
            DEFAULT_RETIRED_RETENTION_MS, 1000, 365L * 24 * 3600 * 1000,
            "How long a node that left or was removed stays in gossip, and its id quarantined after that, so that"
                    + " it cannot come back through a stale message.");

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

    /** The options as configured, for a cluster name and seeds the node settles itself. */
    public static GossipOptions fromSettings(Settings settings, String clusterName, List<InetSocketAddress> seeds) {
        PhiAccrualDetector.Options d = PhiAccrualDetector.Options.defaults();
        return new GossipOptions(clusterName, seeds, settings.get(INTERVAL_MS), DEFAULT_DETECTOR_INTERVAL_MS,
                settings.get(RETIRED_RETENTION_MS), DEFAULT_IDENTIFY_TIMEOUT_MS,
                new PhiAccrualDetector.Options(settings.get(PHI_THRESHOLD), d.windowSize(), d.minStdDevMillis(),
                        settings.get(ACCEPTABLE_PAUSE_MS), settings.get(HEARTBEAT_INTERVAL_MS),
                        d.maxLocalPauseMillis()));
    }

    public GossipOptions withRetiredRetentionMs(long ms) {
        return new GossipOptions(clusterName, seeds, intervalMs, detectorIntervalMs, ms, identifyTimeoutMs, detector);
    }
}
