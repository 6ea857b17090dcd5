package io.kvorum.sim;

import io.kvorum.core.Checks;
import java.util.List;

/**
 * Stability windows for a {@link SimNetwork}, after TigerBeetle's packet simulator
 * ({@code partition_stability}, {@code unpartition_stability}): faults come on for a seeded-random
 * faulty window, then go off for a seeded-random quiet window, and so on.
 *
 * <p>Why windows rather than faults at every message: a protocol mostly meets trouble when a fault
 * holds long enough for timeouts to fire and state to diverge, and then must recover during a clean
 * stretch; faults flickering each millisecond test neither. A faulty window draws one partition of a
 * mode taken at random from {@link #modes} (none when empty) over the network's members, and raises
 * loss and duplication to the window's values; a quiet window heals the partition and restores the
 * network's own loss and duplication (set them to zero for a clean network).
 *
 * @param modes partition modes to draw from in a faulty window; empty for no partitions
 * @param lossWhileFaulty loss probability during a faulty window (the higher of it and the network's own)
 * @param duplicationWhileFaulty duplication probability during a faulty window (likewise)
 * @param minFaultyMs shortest faulty window
 * @param maxFaultyMs longest faulty window
 * @param minQuietMs shortest quiet window
 * @param maxQuietMs longest quiet window
 */
public record FaultWindows(List<PartitionMode> modes, double lossWhileFaulty, double duplicationWhileFaulty,
        long minFaultyMs, long maxFaultyMs, long minQuietMs, long maxQuietMs) {

    public FaultWindows {
        modes = List.copyOf(modes);
        Checks.require(lossWhileFaulty >= 0 && lossWhileFaulty <= 1, "lossWhileFaulty", lossWhileFaulty, "0..1");
        Checks.require(duplicationWhileFaulty >= 0 && duplicationWhileFaulty <= 1, "duplicationWhileFaulty",
                duplicationWhileFaulty, "0..1");
        checkRange("faulty window ms", minFaultyMs, maxFaultyMs);
        checkRange("quiet window ms", minQuietMs, maxQuietMs);
    }

    /** Partitions of the given modes, without extra loss or duplication. */
    public static FaultWindows partitions(long minFaultyMs, long maxFaultyMs, long minQuietMs, long maxQuietMs,
                                          PartitionMode... modes) {
        return new FaultWindows(List.of(modes), 0, 0, minFaultyMs, maxFaultyMs, minQuietMs, maxQuietMs);
    }

    private static void checkRange(String name, long min, long max) {
        Checks.require(min > 0 && max >= min && max - min < Integer.MAX_VALUE, name, min + ".." + max,
                "0 < min <= max < min + 2^31");
    }
}
