package io.kvorum.gossip;

import io.kvorum.core.Checks;
import io.kvorum.core.Clock;
import io.kvorum.core.NodeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which peers are up from the arrival times of their heartbeats: the phi accrual failure
 * detector of Hayashibara et al. ("The φ Accrual Failure Detector", SRDS 2004), in the form Akka's
 * {@code PhiAccrualFailureDetector} uses.
 *
 * <h2>What it computes</h2>
 * For each peer the detector keeps the last {@link Options#windowSize()} intervals between its
 * heartbeats. The suspicion after {@code t} ms without a heartbeat is
 * {@code phi = -log10(1 - F(t))}, where {@code F} is the normal distribution's CDF (in the
 * logistic approximation of Bowling et al., as Akka) with mean = window mean +
 * {@link Options#acceptablePauseMillis()} and standard deviation = max(window standard
 * deviation, {@link Options#minStdDevMillis()}). Phi 1 means a 10% chance that the heartbeat is
 * merely late, phi 8 one in 10^8. A peer is convicted when phi reaches
 * {@link Options#threshold()}.
 *
 * <h2>Why direct heartbeats and a normal distribution</h2>
 * Every node sends a small heartbeat straight to every member every
 * {@link Options#heartbeatIntervalMillis()}; the arrivals are then a regular process whose
 * intervals really are close to normal (interval plus network jitter), so a normal model fits.
 * Cassandra instead feeds its detector from gossip, where a peer's news arrives after a random
 * number of gossip rounds; those intervals are roughly exponential and Cassandra models them so,
 * which makes the detector slow and its phi hard to reason about. Direct heartbeats cost
 * n(n-1) tiny messages per interval, which is fine for the tens of nodes this store targets.
 *
 * <h2>The defaults, and the numbers behind them</h2>
 * The target is: a killed peer is convicted by every other node within 3 s, while jittered and
 * lost heartbeats or a 1 s stall of one peer (a GC pause, a SIGSTOP) convict nobody healthy.
 * With 500 ms heartbeats the window's own standard deviation is a few ms to ~90 ms (500 ± 150 ms
 * uniform jitter gives 87 ms), so the 100 ms floor applies, and the mean is 500 + 1000 =
 * 1500 ms. Then:
 * <ul>
 *   <li>phi reaches 8 at 2023 ms after the last heartbeat of a regular peer (y = 5.23 standard
 *       deviations above the mean); with interpretation every 100 ms a dead peer is convicted
 *       2.1 s after its last heartbeat (2.01 to 2.13 s under ±150 ms jitter), inside the 3 s
 *       target. Right after the first heartbeat the window holds only the bootstrap seed
 *       (standard deviation 125 ms) and the crossing is at 2153 ms.</li>
 *   <li>a peer that stalls for 1 s leaves a gap of at most 1.5 s between heartbeats: phi 0.30
 *       (1.64 at 1.7 s, 2.9 at 1.8 s, 7.3 at 2.0 s), far below 8. One lost heartbeat with
 *       150 ms of jitter is a gap of 1.3 s: phi 0.01.</li>
 *   <li>steady loss widens the window and slows detection, as it should: with 10% of
 *       heartbeats lost (never two in a row) a dead peer is convicted after 2.3 to 2.8 s, with
 *       20% after 2.5 to 3.1 s.</li>
 * </ul>
 * The acceptable pause does the work a large standard deviation would do elsewhere: it is the
 * margin for stalls, which are not normally distributed and which the window rarely sees, while
 * the small floor on the standard deviation keeps the crossing sharp once the margin is used up.
 * Heartbeats that really are irregular widen the window's standard deviation, and detection
 * slows in proportion: that is the "accrual" adaptation.
 *
 * <p>The default heartbeat interval is 250 ms rather than the 500 ms of the worked numbers above:
 * the mean is then 250 + 1000 = 1250 ms and phi reaches 8 about 1.77 s after the last heartbeat
 * (conviction about 1.8 s after it, 2.1 s after a kill at worst), while a false down needs seven
 * heartbeats lost in a row (a 2 s gap). The seeded gossip simulation found that at 500 ms four
 * lost in a row (a 2.5 s gap, 1.6e-7 per interval at 2% independent loss) convicted a healthy peer
 * within minutes across a nine-node cluster's 72 links; at 250 ms seven in a row is 1.3e-12.
 *
 * <h2>The window</h2>
 * A ring buffer of intervals in whole milliseconds with a running sum and sum of squares: a
 * heartbeat costs O(1) and allocates nothing. The first heartbeat from a peer seeds the window,
 * as Akka does, with two intervals {@code heartbeatInterval ± heartbeatInterval / 4} (mean
 * 500 ms, standard deviation 125 ms), so the detector gives sensible answers from the second
 * heartbeat on instead of dividing by an empty window. An interval is recorded only when it
 * measures the heartbeat process: not the gap that ends a conviction (that measures an outage or
 * a restart; a single 60 s sample in a window of 1000 would raise the standard deviation to
 * 1.9 s and stretch the next detection to about 11 s), not the first after a local pause (below),
 * and at most {@value #MAX_INTERVAL_MILLIS} ms, which keeps the sums exact in a {@code long}.
 *
 * <h2>The local pause guard</h2>
 * If this process stops (a long GC, a SIGSTOP, a starved scheduler), then on waking every peer
 * seems silent for the length of the stop and a plain detector convicts all of them at once, a
 * false mass conviction that moves every replica and hint. {@link #interpret()} runs about every
 * 100 ms, so a gap longer than {@link Options#maxLocalPauseMillis()} between two calls means
 * this process was not running: that call convicts nobody, restarts every peer's silence at
 * "now" and logs one WARN. Heartbeats delivered in the same wake-up (when the last
 * {@code interpret()} is longer ago than that bound) are recorded as arrivals but not as
 * intervals, since their gap includes our own stop. A peer that really died meanwhile is then
 * convicted about 2 s later, as if it had died at the wake-up. A stall too short to trip the
 * guard leaves peers silent for at most about 1.5 s plus jitter, phi below 1. The guard is armed
 * by the first {@code interpret()}, so a detector that is built before its scheduler starts does
 * not mistake the start-up delay for a pause.
 *
 * <h2>Beliefs</h2>
 * {@link #isUp} reports the belief as of the last {@link #interpret()}: a peer never heard from
 * is down; it becomes up at the first {@code interpret()} after a heartbeat; it goes down when
 * that call finds its phi at or above the threshold, and comes back up only after a new
 * heartbeat. A heartbeat does not flip a belief itself: every flip is made, and reported in
 * {@code interpret()}'s result, by that one thread, so listeners see each flip exactly once and
 * in order and {@code isUp} never disagrees with what was reported. The cost is at most one
 * interpretation period (100 ms) before a recovered peer counts as up, nothing beside the
 * seconds it took to convict it.
 *
 * <h2>Threads</h2>
 * {@link #heartbeat} may be called from any number of network threads, {@link #interpret()}
 * from one scheduler thread at a time, {@link #isUp}, {@link #phi} and {@link #known} from any
 * thread. Each peer's state has its own small lock held for a few arithmetic operations;
 * {@code isUp} takes no lock (a map lookup and a volatile read).
 */
public final class PhiAccrualDetector {
    private static final Logger LOG = LoggerFactory.getLogger(PhiAccrualDetector.class);

    /**
     * The longest interval recorded, in ms. Longer gaps are outages, not samples of the heartbeat
     * process; the bound also keeps a full window's sum of squares far from {@code long}
     * overflow ({@value Options#MAX_WINDOW_SIZE} × 3.6e6² ≈ 1.3e17).
     */
    static final long MAX_INTERVAL_MILLIS = 3_600_000;

    private static final long NANOS_PER_MILLI = 1_000_000;
    private static final double LN_10 = Math.log(10);

    /**
     * The detector's settings.
     *
     * @param threshold phi at or above which a peer is convicted; 8 means a one in 10^8 chance
     *     that the heartbeat is merely late
     * @param windowSize how many recent inter-arrival intervals are kept per peer (each costs 8
     *     bytes); at least 2, since a standard deviation needs two samples
     * @param minStdDevMillis floor on the standard deviation, so a very regular peer is not
     *     convicted for a few ms of jitter
     * @param acceptablePauseMillis added to the mean interval: the stall of a peer that is
     *     tolerated before suspicion rises steeply
     * @param heartbeatIntervalMillis how often peers send heartbeats; seeds each new window
     * @param maxLocalPauseMillis a gap between two {@link PhiAccrualDetector#interpret()} calls
     *     longer than this is taken as a pause of this process, during which nothing is judged
     */
    public record Options(double threshold, int windowSize, long minStdDevMillis, long acceptablePauseMillis,
                          long heartbeatIntervalMillis, long maxLocalPauseMillis) {
        /** The most intervals kept per peer: 80 KB of them, over an hour of history at 500 ms. */
        public static final int MAX_WINDOW_SIZE = 10_000;
        /** The slowest heartbeat accepted: a minute. Slower detection than that is no detection. */
        public static final long MAX_HEARTBEAT_INTERVAL_MILLIS = 60_000;
        public static final double DEFAULT_THRESHOLD = 8.0;
        public static final int DEFAULT_WINDOW_SIZE = 1000;
        public static final long DEFAULT_MIN_STD_DEV_MILLIS = 100;
        public static final long DEFAULT_ACCEPTABLE_PAUSE_MILLIS = 1000;
        /** Seven heartbeats lost in a row before a false down at the default threshold (see GossipOptions). */
        public static final long DEFAULT_HEARTBEAT_INTERVAL_MILLIS = 250;
        public static final long DEFAULT_MAX_LOCAL_PAUSE_MILLIS = 1000;

        public Options {
            Checks.require(threshold > 0 && Double.isFinite(threshold), "threshold", threshold, "finite and > 0");
            Checks.require(windowSize >= 2 && windowSize <= MAX_WINDOW_SIZE, "windowSize", windowSize,
                    "2.." + MAX_WINDOW_SIZE);
            Checks.requirePositive(minStdDevMillis, "minStdDevMillis");
            Checks.requireNonNegative(acceptablePauseMillis, "acceptablePauseMillis");
            Checks.requirePositive(heartbeatIntervalMillis, "heartbeatIntervalMillis");
            Checks.require(heartbeatIntervalMillis <= MAX_HEARTBEAT_INTERVAL_MILLIS, "heartbeatIntervalMillis",
                    heartbeatIntervalMillis, "<= " + MAX_HEARTBEAT_INTERVAL_MILLIS);
            Checks.requirePositive(maxLocalPauseMillis, "maxLocalPauseMillis");
        }

        /** Threshold 8, 1000 intervals, 100 ms floor, 1 s acceptable pause, 250 ms heartbeats, 1 s local pause. */
        public static Options defaults() {
            return new Options(DEFAULT_THRESHOLD, DEFAULT_WINDOW_SIZE, DEFAULT_MIN_STD_DEV_MILLIS,
                    DEFAULT_ACCEPTABLE_PAUSE_MILLIS, DEFAULT_HEARTBEAT_INTERVAL_MILLIS, DEFAULT_MAX_LOCAL_PAUSE_MILLIS);
        }
    }

    /** A belief that {@link #interpret()} flipped: {@code node} is now up, or now down. */
    public record Change(NodeId node, boolean up) {
        public Change {
            Objects.requireNonNull(node, "node");
        }
    }

    private final Clock clock;
    private final Options options;
    private final long maxLocalPauseNanos;
    private final ConcurrentMap<NodeId, NodeState> nodes = new ConcurrentHashMap<>();

    /** When {@link #interpret()} last ran; written only by the interpreting thread. */
    private volatile long lastInterpretNanos;
    /** Whether {@link #interpret()} has run at all, which arms the local pause guard. */
    private volatile boolean armed;

    public PhiAccrualDetector(Clock clock, Options options) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.options = Objects.requireNonNull(options, "options");
        this.maxLocalPauseNanos = options.maxLocalPauseMillis() * NANOS_PER_MILLI;
    }

    public Options options() {
        return options;
    }

    /**
     * Records that a heartbeat from {@code node} arrived now. The first heartbeat from a node
     * starts tracking it (again, after {@link #forget}); the gossip layer should drop heartbeats
     * from nodes that are not members.
     */
    public void heartbeat(NodeId node) {
        Objects.requireNonNull(node, "node");
        NodeState state = nodes.get(node);
        if (state == null) {
            state = nodes.computeIfAbsent(node, n -> new NodeState(options, clock.nanoTime()));
        }
        synchronized (state) {
            // Read the clock under the lock: interpret() may just have restarted this node's
            // silence at its own "now", and time read before that would give a negative interval.
            long now = clock.nanoTime();
            if (state.measuring && !localPauseInProgress(now)) {
                long nanos = Math.max(0, now - state.lastArrivalNanos);
                long millis = Math.min((nanos + NANOS_PER_MILLI / 2) / NANOS_PER_MILLI, MAX_INTERVAL_MILLIS);
                state.window.add(millis);
            }
            state.lastArrivalNanos = now;
            state.measuring = true;
            state.arrivedSinceDown = true;
        }
    }

    /**
     * The suspicion of {@code node} now: about 0 right after a heartbeat, rising with the silence
     * since, {@link Double#POSITIVE_INFINITY} far in the tail. A node never heard from
     * (or forgotten) has phi {@link Double#POSITIVE_INFINITY}, matching its belief "down".
     */
    public double phi(NodeId node) {
        NodeState state = nodes.get(node);
        if (state == null) {
            return Double.POSITIVE_INFINITY;
        }
        synchronized (state) {
            return phiOf(state, clock.nanoTime());
        }
    }

    /** Whether {@code node} was up at the last {@link #interpret()}; a node never heard from is down. Lock-free. */
    public boolean isUp(NodeId node) {
        NodeState state = nodes.get(node);
        return state != null && state.up;
    }

    /**
     * Judges every known node now and returns those whose belief flipped, in NodeId order (so a
     * simulation replays identically). Call it periodically, about every 100 ms, from one thread;
     * a gap longer than {@link Options#maxLocalPauseMillis()} since the previous call is taken as
     * a pause of this process and convicts nobody (see the class comment).
     */
    public List<Change> interpret() {
        long now = clock.nanoTime();
        boolean paused = localPauseInProgress(now);
        if (paused) {
            LOG.warn("Local pause of {} ms detected; failure detector ignores it",
                    (now - lastInterpretNanos) / NANOS_PER_MILLI);
        }
        List<Change> changes = null;
        for (var entry : nodes.entrySet()) {
            NodeState state = entry.getValue();
            Boolean flippedTo;
            synchronized (state) {
                flippedTo = judge(entry.getKey(), state, now, paused);
            }
            if (flippedTo != null) {
                if (changes == null) {
                    changes = new ArrayList<>(2);
                }
                changes.add(new Change(entry.getKey(), flippedTo));
            }
        }
        // Set only after every node is judged: until then, a heartbeat delivered in this wake-up
        // still sees the pause and does not record its inflated interval.
        lastInterpretNanos = now;
        armed = true;
        if (changes == null) {
            return List.of();
        }
        changes.sort(Comparator.comparing(Change::node));
        return List.copyOf(changes);
    }

    /** Stops tracking {@code node}, which left the cluster; it is down and unknown until it heartbeats again. */
    public void forget(NodeId node) {
        nodes.remove(node);
    }

    /** The nodes being tracked: every node heard from and not forgotten. A snapshot. */
    public Set<NodeId> known() {
        return Set.copyOf(nodes.keySet());
    }

    /** How many intervals {@code node}'s window holds (the two seeds included); 0 if unknown. For tests. */
    int intervalCount(NodeId node) {
        NodeState state = nodes.get(node);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.window.size();
        }
    }

    /** The mean of {@code node}'s window in ms; NaN if unknown. For tests. */
    double meanIntervalMillis(NodeId node) {
        NodeState state = nodes.get(node);
        if (state == null) {
            return Double.NaN;
        }
        synchronized (state) {
            return state.window.mean();
        }
    }

    private boolean localPauseInProgress(long now) {
        return armed && now - lastInterpretNanos > maxLocalPauseNanos;
    }

    /** Returns the new belief if it flipped, else null. Caller holds the state's lock. */
    private Boolean judge(NodeId node, NodeState state, long now, boolean paused) {
        if (paused) {
            state.lastArrivalNanos = Math.max(state.lastArrivalNanos, now);
            state.measuring = false;
        }
        if (state.up) {
            if (paused) {
                return null;
            }
            double phi = phiOf(state, now);
            if (phi < options.threshold()) {
                return null;
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("Convicting {}: phi {} after {} ms of silence (mean interval {} ms)", node,
                        phi, (now - state.lastArrivalNanos) / NANOS_PER_MILLI, state.window.mean());
            }
            state.up = false;
            state.measuring = false;
            state.arrivedSinceDown = false;
            return Boolean.FALSE;
        }
        if (state.arrivedSinceDown && phiOf(state, now) < options.threshold()) {
            state.up = true;
            return Boolean.TRUE;
        }
        return null;
    }

    private double phiOf(NodeState state, long now) {
        double elapsedMillis = (double) (now - state.lastArrivalNanos) / NANOS_PER_MILLI;
        double mean = state.window.mean() + options.acceptablePauseMillis();
        double stdDev = Math.max(state.window.stdDev(), options.minStdDevMillis());
        return phi(elapsedMillis, mean, stdDev);
    }

    /**
     * {@code -log10(1 - F(elapsed))} for the normal distribution (mean, stdDev), with Akka's
     * logistic approximation of the CDF, {@code F(y) ≈ 1 / (1 + e^(-z))} where
     * {@code z = y (1.5976 + 0.070566 y²)} and {@code y = (elapsed - mean) / stdDev}.
     *
     * <p>{@code 1 - F = 1 / (1 + e^z)}, so phi is {@code log10(1 + e^z)}: the value Akka computes
     * with two branches, written as one chain of monotone operations so that it never decreases
     * as {@code elapsed} grows, even at the last bit, and is never NaN: it tends to 0 below the
     * mean (exactly 0 once {@code e^z} underflows), and is
     * {@link Double#POSITIVE_INFINITY} once {@code e^z} overflows, about 21 standard deviations
     * above it.
     */
    static double phi(double elapsedMillis, double mean, double stdDev) {
        double y = (elapsedMillis - mean) / stdDev;
        return Math.log1p(Math.exp(y * (1.5976 + 0.070566 * y * y))) / LN_10;
    }

    /** One peer's arrivals and belief. Fields other than {@link #up} are guarded by the instance's lock. */
    private static final class NodeState {
        final IntervalWindow window;
        long lastArrivalNanos;
        /** Whether the next arrival's gap is a sample of the heartbeat process (see the class comment). */
        boolean measuring;
        /** Whether a heartbeat arrived since this node was created or last convicted. */
        boolean arrivedSinceDown;
        /** Written only by the interpreting thread; read lock-free by {@link #isUp}. */
        volatile boolean up;

        NodeState(Options options, long nowNanos) {
            window = new IntervalWindow(options.windowSize());
            long mean = options.heartbeatIntervalMillis();
            long stdDev = mean / 4;
            window.add(mean - stdDev);
            window.add(mean + stdDev);
            lastArrivalNanos = nowNanos;
        }
    }

    /**
     * The last {@code capacity} intervals in ms, with their running sum and sum of squares so mean
     * and standard deviation cost O(1). Not thread-safe. Intervals must lie in
     * [0, {@link #MAX_INTERVAL_MILLIS}], which keeps the sums exact.
     */
    static final class IntervalWindow {
        private final long[] intervals;
        private int size;
        private int next;
        private long sum;
        private long sumOfSquares;

        IntervalWindow(int capacity) {
            Checks.requirePositive(capacity, "capacity");
            intervals = new long[capacity];
        }

        void add(long millis) {
            Checks.require(millis >= 0 && millis <= MAX_INTERVAL_MILLIS, "interval ms", millis,
                    "0.." + MAX_INTERVAL_MILLIS);
            if (size == intervals.length) {
                long evicted = intervals[next];
                sum -= evicted;
                sumOfSquares -= evicted * evicted;
            } else {
                size++;
            }
            intervals[next] = millis;
            sum += millis;
            sumOfSquares += millis * millis;
            next = next + 1 == intervals.length ? 0 : next + 1;
        }

        int size() {
            return size;
        }

        /** The mean interval in ms; NaN when empty. */
        double mean() {
            return (double) sum / size;
        }

        /** The population standard deviation in ms (as Akka); 0 when empty or constant. */
        double stdDev() {
            double mean = mean();
            double variance = (double) sumOfSquares / size - mean * mean;
            return variance > 0 ? Math.sqrt(variance) : 0.0;
        }
    }
}
