package io.kvorum.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.kvorum.core.NodeId;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.core.Clock;
import io.kvorum.gossip.PhiAccrualDetector.Change;
import io.kvorum.gossip.PhiAccrualDetector.Options;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PhiAccrualDetectorTest {
    /**
     * The numbers these tests assert were worked out for 500 ms heartbeats (the Javadoc shows the
     * arithmetic); the 250 ms default is checked on its own below.
     */
    static final Options HALF_SECOND = new Options(8.0, 1000, 100, 1000, 500, 1000);

    static final NodeId A = new NodeId(0xaL);
    static final NodeId B = new NodeId(0xbL);
    static final NodeId C = new NodeId(0xcL);

    static final long HEARTBEAT_MS = 500;

    @Test
    void atTheDefault250MillisecondHeartbeatsAKilledPeerIsConvictedAbout1Point8SecondsAfterItsLastOne() {
        Driver d = new Driver(Options.defaults());
        long last = 0;
        for (long t = 0; t <= 60_000; t += 250) {
            d.heartbeatAt(t, A);
            last = t;
        }
        d.advanceTo(last + 10_000);
        long delay = d.firstConviction(A).getAsLong() - last;
        // Mean 250 + 1000 ms, standard deviation floor 100 ms: phi 8 at about 1773 ms, convicted at the
        // next 100 ms interpretation.
        assertThat(delay).isEqualTo(1_800);
        // Six lost in a row (a 1.75 s gap) is not a conviction; only a seventh is.
        Driver lossy = new Driver(Options.defaults());
        for (long t = 0; t <= 60_000; t += 250) {
            lossy.heartbeatAt(t, B);
        }
        lossy.heartbeatAt(61_750, B);
        lossy.advanceTo(61_800);
        assertThat(lossy.firstConviction(B)).isEmpty();
    }

    @Test
    void killedPeerIsConvictedAbout2SecondsAfterItsLastHeartbeat() {
        Driver d = new Driver(HALF_SECOND);
        long last = d.regularHeartbeats(A, 0, 60_000);

        d.advanceTo(last + 10_000);

        assertThat(d.changesOf(A)).extracting(TimedChange::change)
                .containsExactly(new Change(A, true), new Change(A, false));
        long delay = d.firstConviction(A).getAsLong() - last;
        assertThat(delay).as("conviction delay after the last heartbeat, ms")
                .isGreaterThanOrEqualTo(1_500).isLessThanOrEqualTo(3_000);
        // phi 8 is crossed 2022.6 ms after the last heartbeat (mean 500 + 1000, stddev floor 100);
        // the next 100 ms interpretation convicts.
        assertThat(delay).isEqualTo(2_100);
    }

    @Test
    void phiCrossesTheDefaultThreshold2023MillisecondsAfterTheLastOfRegularHeartbeats() {
        Driver d = new Driver(HALF_SECOND);
        long last = d.regularHeartbeats(A, 0, 60_000);

        assertThat(d.millisUntilPhiReaches(A, last, 8.0)).isEqualTo(2_023);
    }

    @Test
    void detectorWorksFromTheSecondHeartbeatThanksToTheSeed() {
        Driver d = new Driver(HALF_SECOND);
        d.heartbeatAt(0, A);
        d.heartbeatAt(500, A);

        // Window: seeds 375 and 625 plus one 500 ms interval: stddev 102 ms.
        assertThat(d.detector.phi(A)).isLessThan(1e-9);
        long crossing = d.millisUntilPhiReaches(A, 500, 8.0);
        assertThat(crossing).isBetween(2_000L, 2_100L);
        d.advanceTo(10_000);
        assertThat(d.firstConviction(A).getAsLong() - 500).isBetween(1_500L, 3_000L);
    }

    @Test
    void aSingleHeartbeatMakesAPeerUpAndItsSilenceConvictsIt() {
        Driver d = new Driver(HALF_SECOND);
        d.heartbeatAt(0, A);
        d.advanceTo(10_000);

        // Seeds only (stddev 125 ms): phi 8 at 2153 ms, conviction at the 2200 ms tick.
        assertThat(d.changesOf(A)).containsExactly(
                new TimedChange(100, new Change(A, true)), new TimedChange(2_200, new Change(A, false)));
    }

    @Test
    void peerStalledForOneSecondIsNotConvicted() {
        Driver d = new Driver(HALF_SECOND);
        long last = d.regularHeartbeats(A, 0, 30_000);
        // A SIGSTOP of 1 s just after a heartbeat: the next arrives 1.5 s after the last.
        long resumed = last + 1_500;
        double maxPhi = d.maxPhiUntil(A, resumed);
        d.regularHeartbeats(A, resumed, resumed + 30_000);

        assertThat(d.changesOf(A)).extracting(TimedChange::change).containsExactly(new Change(A, true));
        assertThat(maxPhi).as("highest phi during the stall").isLessThan(0.31);
    }

    @Test
    void withoutTheAcceptablePauseAOneSecondStallWouldConvict() {
        // The stall test above can fail: this is what it guards against.
        Driver d = new Driver(new Options(8.0, 1000, 100, 0, 500, 1000));
        long last = d.regularHeartbeats(A, 0, 30_000);
        d.advanceTo(last + 1_500);

        assertThat(d.firstConviction(A)).isPresent();
    }

    @Test
    void localPauseConvictsNobodyAndWarnsOnce() {
        try (LogCapture log = new LogCapture(PhiAccrualDetector.class.getName())) {
            Driver d = new Driver(HALF_SECOND);
            d.regularHeartbeats(List.of(A, B), 0, 20_000);
            d.advanceTo(20_050);
            int changesBefore = d.changes.size();

            // This process stops for 5 s: no interpretation, no heartbeats processed.
            long wokeUp = d.stallLocally(5_000);
            d.advanceTo(wokeUp);

            assertThat(d.changes).hasSize(changesBefore);
            assertThat(d.detector.isUp(A)).isTrue();
            assertThat(d.detector.isUp(B)).isTrue();
            assertThat(log.warnings()).containsExactly(
                    "Local pause of 5050 ms detected; failure detector ignores it");

            // After the wake-up A heartbeats again; B has really died meanwhile.
            d.regularHeartbeats(A, wokeUp + 10, wokeUp + 20_000);

            assertThat(d.changes.subList(changesBefore, d.changes.size())).extracting(TimedChange::change)
                    .containsExactly(new Change(B, false));
            long bConvicted = d.firstConviction(B).getAsLong();
            assertThat(bConvicted - wokeUp).as("conviction delay after the wake-up")
                    .isBetween(1_500L, 3_000L);
            assertThat(log.warnings()).hasSize(1);
        }
    }

    @Test
    void withoutTheLocalPauseGuardAFiveSecondPauseConvictsEveryone() {
        // The guard test above can fail: this is what the guard prevents.
        Driver d = new Driver(new Options(8.0, 1000, 100, 1000, 500, 60_000));
        d.regularHeartbeats(List.of(A, B), 0, 20_000);
        d.advanceTo(20_050);
        long wokeUp = d.stallLocally(5_000);
        d.advanceTo(wokeUp);

        assertThat(d.changes).extracting(TimedChange::change).containsExactly(
                new Change(A, true), new Change(B, true), new Change(A, false), new Change(B, false));
    }

    @Test
    void heartbeatDeliveredInTheWakeUpOfALocalPauseIsNotAnInterval() {
        Driver d = new Driver(HALF_SECOND);
        d.regularHeartbeats(A, 0, 20_000);
        d.advanceTo(20_050);
        int count = d.detector.intervalCount(A);
        double mean = d.detector.meanIntervalMillis(A);

        // Woken after 5 s; the network thread delivers a queued heartbeat before interpret() runs.
        long wokeUp = d.stallLocally(5_000);
        d.detector.heartbeat(A);
        assertThat(d.detector.intervalCount(A)).isEqualTo(count);
        assertThat(d.detector.meanIntervalMillis(A)).isEqualTo(mean);

        // interpret() restarts the silence; the next gap measures from there, and is not a sample
        // either: it is shortened by the restart.
        d.advanceTo(wokeUp);
        d.heartbeatAt(wokeUp + 10, A);
        assertThat(d.detector.intervalCount(A)).isEqualTo(count);
        d.heartbeatAt(wokeUp + 510, A);
        assertThat(d.detector.intervalCount(A)).isEqualTo(count + 1);
        assertThat(d.detector.meanIntervalMillis(A)).isEqualTo(mean);
    }

    @Test
    void convictedPeerStaysDownThroughALocalPauseUntilItHeartbeats() {
        Driver d = new Driver(HALF_SECOND);
        long last = d.regularHeartbeats(A, 0, 10_000);
        d.advanceTo(last + 5_000);
        assertThat(d.detector.isUp(A)).isFalse();

        // The wake-up restarts A's silence, so its phi is low again; that is no evidence of life.
        long wokeUp = d.stallLocally(5_000);
        d.advanceTo(wokeUp + 1_000);
        assertThat(d.detector.phi(A)).isLessThan(1.0);
        assertThat(d.detector.isUp(A)).isFalse();

        d.heartbeatAt(wokeUp + 1_050, A);
        d.advanceTo(wokeUp + 1_100);
        assertThat(d.changesOf(A)).extracting(TimedChange::change)
                .containsExactly(new Change(A, true), new Change(A, false), new Change(A, true));
    }

    @Test
    void neverHeardFromIsDownUntilTheInterpretationAfterItsFirstHeartbeat() {
        Driver d = new Driver(HALF_SECOND);
        assertThat(d.detector.isUp(A)).isFalse();
        assertThat(d.detector.phi(A)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(d.detector.known()).isEmpty();

        d.heartbeatAt(50, A);
        assertThat(d.detector.known()).containsExactly(A);
        assertThat(d.detector.isUp(A)).as("before the next interpret()").isFalse();
        assertThat(d.detector.phi(A)).isLessThan(1e-9);

        assertThat(d.detector.interpret()).containsExactly(new Change(A, true));
        assertThat(d.detector.isUp(A)).isTrue();
        assertThat(d.detector.interpret()).isEmpty();
    }

    @Test
    void forgetStopsTracking() {
        Driver d = new Driver(HALF_SECOND);
        d.regularHeartbeats(List.of(A, B), 0, 5_000);
        d.detector.forget(A);

        assertThat(d.detector.known()).containsExactly(B);
        assertThat(d.detector.isUp(A)).isFalse();
        assertThat(d.detector.phi(A)).isEqualTo(Double.POSITIVE_INFINITY);
        d.advanceTo(20_000);
        assertThat(d.changesOf(A)).extracting(TimedChange::change).containsExactly(new Change(A, true));
        assertThat(d.changesOf(B)).extracting(TimedChange::change)
                .containsExactly(new Change(B, true), new Change(B, false));
    }

    @Test
    void convictedPeerComesBackUpOnItsNextHeartbeatAndItsOutageDoesNotSkewTheWindow() {
        Driver d = new Driver(HALF_SECOND);
        long last = d.regularHeartbeats(A, 0, 30_000);
        d.advanceTo(last + 60_000);
        int count = d.detector.intervalCount(A);

        long back = last + 60_000;
        d.heartbeatAt(back, A);
        assertThat(d.detector.intervalCount(A)).as("the 60 s outage is not a sample").isEqualTo(count);
        d.advanceTo(back + 100);
        assertThat(d.changesOf(A)).extracting(TimedChange::change)
                .containsExactly(new Change(A, true), new Change(A, false), new Change(A, true));

        // Killed again: detected as fast as the first time.
        long lastAgain = d.regularHeartbeats(A, back + 500, back + 5_000);
        d.advanceTo(lastAgain + 10_000);
        List<TimedChange> changes = d.changesOf(A);
        assertThat(changes).hasSize(4);
        assertThat(changes.get(3).atMillis() - lastAgain).isEqualTo(2_100);
    }

    @Test
    void changesComeInNodeIdOrder() {
        Driver d = new Driver(HALF_SECOND);
        d.heartbeatAt(0, C);
        d.heartbeatAt(0, A);
        d.heartbeatAt(0, B);

        assertThat(d.detector.interpret()).containsExactly(
                new Change(A, true), new Change(B, true), new Change(C, true));
    }

    @Test
    void heartbeatsFromManyThreadsWhileInterpreting() throws Exception {
        Driver d = new Driver(HALF_SECOND);
        List<NodeId> peers = List.of(A, B, C, new NodeId(0xdL));
        d.advanceTo(0);
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong rounds = new AtomicLong();
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                senders.add(pool.submit(() -> {
                    while (!stop.get()) {
                        peers.forEach(d.detector::heartbeat);
                        rounds.incrementAndGet();
                    }
                }));
            }
            // Time moves only here, 10 ms at a time, and only once a whole round of heartbeats has
            // started since the last move (the rounds in flight may be one per thread), so however
            // the threads are scheduled no peer is silent for long.
            for (long t = 10; t <= 5_000; t += 10) {
                long seen = rounds.get();
                while (rounds.get() <= seen + threads) {
                    Thread.onSpinWait();
                }
                d.advanceTo(t);
                for (NodeId peer : peers) {
                    d.detector.isUp(peer);
                }
            }
            stop.set(true);
            for (var sender : senders) {
                sender.get(10, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }

        assertThat(d.detector.known()).containsExactlyInAnyOrderElementsOf(peers);
        assertThat(d.changes).extracting(TimedChange::change).allMatch(Change::up);
        assertThat(peers).allMatch(d.detector::isUp);
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertThat(Options.defaults()).isEqualTo(new Options(8.0, 1000, 100, 1000, 250, 1000));
    }

    @Test
    void optionsRejectBadValuesNamingTheField() {
        assertRejected(() -> new Options(0, 1000, 100, 1000, 500, 1000), "threshold: 0.0 (expected: finite and > 0)");
        assertRejected(() -> new Options(Double.NaN, 1000, 100, 1000, 500, 1000), "threshold: NaN");
        assertRejected(() -> new Options(Double.POSITIVE_INFINITY, 1000, 100, 1000, 500, 1000), "threshold: Infinity");
        assertRejected(() -> new Options(8, 1, 100, 1000, 500, 1000), "windowSize: 1 (expected: 2..10000)");
        assertRejected(() -> new Options(8, 10_001, 100, 1000, 500, 1000), "windowSize: 10001");
        assertRejected(() -> new Options(8, 1000, 0, 1000, 500, 1000), "minStdDevMillis: 0 (expected: > 0)");
        assertRejected(() -> new Options(8, 1000, 100, -1, 500, 1000), "acceptablePauseMillis: -1 (expected: >= 0)");
        assertRejected(() -> new Options(8, 1000, 100, 1000, 0, 1000), "heartbeatIntervalMillis: 0 (expected: > 0)");
        assertRejected(() -> new Options(8, 1000, 100, 1000, 60_001, 1000), "heartbeatIntervalMillis: 60001");
        assertRejected(() -> new Options(8, 1000, 100, 1000, 500, 0), "maxLocalPauseMillis: 0 (expected: > 0)");
    }

    private static void assertRejected(Supplier<Options> options, String message) {
        assertThatThrownBy(options::get).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    void phiFormulaMatchesAkkasValues() {
        // At the mean the CDF is 1/2: phi = log10(2).
        assertThat(PhiAccrualDetector.phi(1_500, 1_500, 100)).isCloseTo(0.30103, offset(1e-5));
        assertThat(PhiAccrualDetector.phi(2_000, 1_500, 100)).isCloseTo(7.29995, offset(1e-4));
        assertThat(PhiAccrualDetector.phi(0, 1_500, 100)).isLessThan(1e-100);
        assertThat(PhiAccrualDetector.phi(1e9, 1_500, 100)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(PhiAccrualDetector.phi(-1e9, 1_500, 100)).isEqualTo(0.0);
    }

    /** A change and the simulated time, in ms, of the interpret() that reported it. */
    record TimedChange(long atMillis, Change change) {
    }

    /**
     * Drives a detector through simulated time: interpret() every 100 ms (from time 0, which arms
     * the local pause guard), heartbeats when the test says.
     */
    static final class Driver {
        static final long INTERPRET_MS = 100;

        final TestClock clock = new TestClock();
        final PhiAccrualDetector detector;
        final List<TimedChange> changes = new ArrayList<>();
        long nowMillis;
        long nextInterpretMillis;

        Driver(Options options) {
            detector = new PhiAccrualDetector(clock, options);
        }

        /** Moves time to {@code t}, interpreting at every tick up to and including it. */
        void advanceTo(long t) {
            while (nextInterpretMillis <= t) {
                moveTo(nextInterpretMillis);
                for (Change c : detector.interpret()) {
                    changes.add(new TimedChange(nowMillis, c));
                }
                nextInterpretMillis += INTERPRET_MS;
            }
            moveTo(t);
        }

        void heartbeatAt(long t, NodeId node) {
            advanceTo(t);
            detector.heartbeat(node);
        }

        /** Heartbeats every 500 ms from {@code from} to {@code to}; returns the last one's time. */
        long regularHeartbeats(NodeId node, long from, long to) {
            return regularHeartbeats(List.of(node), from, to);
        }

        long regularHeartbeats(List<NodeId> nodes, long from, long to) {
            long t = from;
            long last = from;
            for (; t <= to; t += HEARTBEAT_MS) {
                advanceTo(t);
                nodes.forEach(detector::heartbeat);
                last = t;
            }
            return last;
        }

        /** The highest phi of {@code node} seen at each ms until {@code t}, interpreting as usual. */
        double maxPhiUntil(NodeId node, long t) {
            double max = 0;
            while (nowMillis < t) {
                advanceTo(nowMillis + 1);
                max = Math.max(max, detector.phi(node));
            }
            return max;
        }

        /**
         * How many whole ms after {@code from} (which must be now) phi first reaches
         * {@code threshold}. Probes the future without interpreting, then puts the clock back.
         */
        long millisUntilPhiReaches(NodeId node, long from, double threshold) {
            assertThat(nowMillis).isEqualTo(from);
            long saved = clock.nanos;
            try {
                for (long ms = 0; ms < 1_000_000; ms++) {
                    clock.nanos = saved + TimeUnit.MILLISECONDS.toNanos(ms);
                    if (detector.phi(node) >= threshold) {
                        return ms;
                    }
                }
                throw new AssertionError("phi never reached " + threshold);
            } finally {
                clock.nanos = saved;
            }
        }

        /**
         * This process stops for {@code ms}: time passes with no interpretation and no heartbeat.
         * Returns the time of the wake-up, where the next interpretation is due.
         */
        long stallLocally(long ms) {
            moveTo(nowMillis + ms);
            nextInterpretMillis = nowMillis;
            return nowMillis;
        }

        List<TimedChange> changesOf(NodeId node) {
            return changes.stream().filter(c -> c.change().node().equals(node)).collect(Collectors.toList());
        }

        OptionalLong firstConviction(NodeId node) {
            return changes.stream().filter(c -> c.change().node().equals(node) && !c.change().up())
                    .mapToLong(TimedChange::atMillis).findFirst();
        }

        private void moveTo(long t) {
            assertThat(t).isGreaterThanOrEqualTo(nowMillis);
            clock.nanos += TimeUnit.MILLISECONDS.toNanos(t - nowMillis);
            nowMillis = t;
        }
    }

    /** A clock set by hand; unlike core's ManualClock it may be put back, to probe phi in the future. */
    static final class TestClock implements Clock {
        volatile long nanos = 1_000_000_000L;

        @Override
        public long nowMillis() {
            return 1_700_000_000_000L + TimeUnit.NANOSECONDS.toMillis(nanos);
        }

        @Override
        public long nanoTime() {
            return nanos;
        }
    }
}
