package io.kvorum.ring;

import io.kvorum.core.Checks;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Token;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Chooses vnode tokens so that every node carries close to its share of the load.
 *
 * <p>Random tokens, as in the Dynamo paper, leave ownership uneven: with 16 vnodes per node the
 * most loaded of 32 nodes typically owns 1.5 times the mean, which is why Cassandra moved to
 * allocated tokens. Two ways are offered:
 *
 * <p>{@link #evenTokens} is for a cluster whose members are fixed in configuration: all
 * {@code count * numTokens} tokens are spaced evenly over the ring and dealt round-robin, so
 * every node owns exactly {@code 1/count} and each computes every member's tokens from the member
 * list alone.
 *
 * <p>{@link #allocate} is for one node joining a live ring. What a node carries is not the part
 * of the ring it owns as primary but every range it replicates: each read and write of a key goes
 * to the n nodes of its preference list. The two differ, because a node replicates a range when
 * one of its tokens comes early enough in the clockwise walk from that range, which depends on
 * how its tokens interleave with the other nodes', not on the sizes of its own ranges. The
 * allocator this one replaced balanced primary ownership exactly and nothing else: a fourth node
 * joining an even cluster of three (16 tokens, replication factor 3) owned its 25.0%, but took
 * whole ranges next to each other, so that its walks overlapped; it replicated 0.54 of the mean
 * share and the old nodes 1.14 to 1.17 of it (over 3000 keys, 1260 replicas against about 2570
 * each), and it served half its share of the requests. Cassandra met the same problem and solved
 * it with a replication-aware allocator (CASSANDRA-7032). This one follows the same idea:
 * <ol>
 *   <li><em>What is balanced.</em> The imbalance of a ring is the sum over nodes of the square of
 *       each node's primary share plus the square of its replica share (what it replicates at
 *       replication factor n, divided by n). Each kind of share sums to 1, so each sum of squares
 *       is the variance of that share up to a constant, and moving load from a node to one that
 *       holds less lowers it. The primary term keeps primary ownership balanced as well, which
 *       matters because token-aware clients send each request to the key's first replica, which
 *       coordinates it; without the term the newcomer would buy replica balance with primary
 *       ranges of any size.</li>
 *   <li><em>One token, in closed form.</em> A token t placed in a vnode range {@code (a, b]} gives
 *       {@code (a, t]} to the newcomer as primary and gives that piece a walk that starts at the
 *       newcomer, pushing out the last node of the old walk; and every earlier vnode whose walk
 *       reached b now meets the newcomer before b, so the newcomer enters that walk and pushes
 *       out its last node. Only vnodes within one walk's span before b are touched. Which walks
 *       change does not depend on where t lies inside the range; only the size of the piece
 *       does, and the change of imbalance is a quadratic in that size. So every range gets its
 *       best piece in closed form, and the range whose best piece lowers the imbalance most is
 *       cut (ties go to the lowest token).</li>
 *   <li><em>The middle half.</em> A piece stays within the middle half of the range it cuts.
 *       Left free, the optimum often lies at an edge, a token one step inside a range that joins
 *       the walks but moves no primary ownership, and the ring fills with slivers that later
 *       joins cannot cut.</li>
 *   <li><em>An equal part per token.</em> While the tokens are first placed, each takes at most
 *       an equal part of the primary share the newcomer still lacks (unless the range is too
 *       large to cut that finely), so that the cuts spread over many ranges instead of the first
 *       tokens taking all they can: the second node of a cluster halves every range of the
 *       first.</li>
 *   <li><em>Take back and put again.</em> Placement one token at a time cannot undo an early
 *       choice; so once all tokens are placed, each in turn is taken out and put back where it
 *       is best given all the others: passes over all tokens until a pass moves none, at most
 *       {@value #REFINEMENT_PLACEMENTS} placements (four passes at 16 tokens, one from 64 on).
 *       In clusters grown by joins this lowers the worst replica max/mean from about 1.06 to
 *       about 1.03.</li>
 *   <li><em>Even ranges to break ties.</em> A hundredth of the weight goes to the sum of the
 *       squared range sizes, so that among placements of nearly equal balance the one that
 *       halves the larger range wins. Without it, a cluster grown by joins from 3 nodes to 32
 *       had a range a hundredth of the mean range; with it, the smallest is about a quarter.</li>
 *   <li><em>Small clusters.</em> The replica term uses preference lists of length
 *       {@code min(replicationFactor, N)}, N the nodes before the join. With no more nodes than
 *       the replication factor every node holds every key and the replica shares are equal
 *       whatever the tokens; balancing the longest lists that still differ leaves the ring ready
 *       for the joins that make it larger than the replication factor. (Balancing primary
 *       ownership alone while the cluster was that small, a cluster grown from 3 nodes at
 *       replication factor 5 reached a replica max/mean of 1.24 at 9 nodes.)</li>
 *   <li><em>Racks.</em> Given the newcomer's rack, walks follow the rack-aware order of
 *       {@link Ring#preferenceList}, and replica shares are compared with the mean of their rack:
 *       with one replica per rack, a node's share depends on how many nodes its rack has, which
 *       no token can change. Without the newcomer's rack, or when it is a rack the ring does not
 *       hold yet, walks ignore racks; that still balances better than the old allocator did, but
 *       worse than knowing the rack.</li>
 * </ol>
 *
 * <p>Measured at 16 tokens, as max/mean over nodes of the replica share and of the primary
 * share, with the allocator that balanced primary ownership only in brackets;
 * {@code RingProperties} checks max/mean at most 1.10 for both:
 * <ul>
 *   <li>One node joining an even cluster of 3 to 32 nodes at replication factor 3: replica at
 *       most 1.022 [1.167], the newcomer replicating at least 0.945 of the mean [0.397]; primary
 *       at most 1.059 [1.059]. At replication factors 1 to 5 (fewer than the nodes): replica at
 *       most 1.059, 1.034, 1.022, 1.015, 1.012 [1.059, 1.125, 1.146, 1.144, 1.123].</li>
 *   <li>Three even nodes grown by one node at a time to 15, 20 seeds: replica at most 1.030
 *       [1.303] at replication factor 3, and at most 1.044 at factors 1 to 5 [up to 1.339];
 *       primary at most 1.041 [1.000]. Grown on to 32 at factor 3: replica 1.032 [1.303],
 *       primary 1.047 [1.059].</li>
 *   <li>Grown from one node to 32 at factor 3, 10 seeds: replica at most 1.027 [1.268] from 3
 *       nodes on, primary 1.054 [1.059]. From every even start of 1 to 32 nodes grown to 32:
 *       replica 1.036 [1.420], primary 1.074 [1.059].</li>
 *   <li>An even cluster of 5 to 32 nodes that lost a node (1.292 replica max/mean) and was then
 *       joined by a new one: replica 1.000 [1.042], primary 1.000 [1.000]; the newcomer takes
 *       back exactly what the leaver's neighbours had gained.</li>
 * </ul>
 * So replica balance goes from 1.17 to 1.30 down to about 1.03, and primary balance stays within
 * its old bound of 1.10, at up to 1.074 instead of 1.059. With 16 tokens, primary max/mean cannot
 * fall below 18/17 = 1.059 after a join into an even cluster of 17 nodes, as 16 tokens cannot
 * take from 17 nodes; larger clusters want more tokens per node. A join never makes an old node
 * hold more, since a new token only pushes nodes out of walks, so the worst node of an uneven
 * ring gets no worse.
 *
 * <p>Cost: every placement scans every vnode of the ring, with work per vnode about a walk's
 * span times the replication factor, and rebuilds the working ring once. Measured: 2 to 13 ms
 * for 16 tokens joining 16 to 128 nodes (the old allocator: under 1 ms), 0.8 s for 256 tokens
 * joining 32 nodes of 256 and 1.4 s for 64. A join is rare and plans once.
 *
 * <p>The plan is deterministic for a given ring, replication factor and rack: a node that
 * retries its join before the ring changes picks the same tokens. {@code random} only places the
 * very first node's tokens.
 */
public final class TokenAllocator {
    /** The token space holds 2^64 tokens. */
    private static final double RING_SIZE = 0x1p64;
    /** A new token takes at least this fraction of the range it cuts and leaves at least as much. */
    private static final double CUT_MARGIN = 0.25;
    /** The weight of the squared range sizes against the squared shares: a tie-breaker. */
    private static final double RANGE_WEIGHT = 0.01;
    /**
     * How many tokens, at most, are taken out and placed again, in whole passes over the
     * newcomer's tokens and at least one pass: four passes at 16 tokens, one from 64 tokens on,
     * where a second pass gains little and each costs a scan of the ring per token.
     */
    static final int REFINEMENT_PLACEMENTS = 64;

    private TokenAllocator() {
    }

    /**
     * Node {@code index}'s tokens in a cluster of {@code count} configured nodes: token
     * {@code j} of all {@code count * numTokens} lies at {@code MIN + floor(j * 2^64 / total)}
     * plus half a spacing (so none is {@link Token#MIN}), and node i takes every count-th
     * starting at {@code j = i}. Ascending.
     */
    public static List<Long> evenTokens(int index, int count, int numTokens) {
        Checks.requirePositive(count, "count");
        Checks.require(index >= 0 && index < count, "index", index, ">= 0 and < count " + count);
        checkNumTokens(numTokens);
        BigInteger ring = BigInteger.ONE.shiftLeft(64);
        BigInteger total = BigInteger.valueOf((long) count * numTokens);
        BigInteger halfSpacing = ring.divide(total).shiftRight(1);
        List<Long> result = new ArrayList<>(numTokens);
        for (int k = 0; k < numTokens; k++) {
            BigInteger j = BigInteger.valueOf((long) k * count + index);
            long offset = j.shiftLeft(64).divide(total).add(halfSpacing).longValue();
            result.add(Token.MIN + offset);
        }
        return Collections.unmodifiableList(result);
    }

    /**
     * {@code numTokens} tokens for one node joining {@code current}, placed so that at replication
     * factor {@code replicationFactor} every node, the newcomer included, replicates about
     * {@code 1/(N+1)} of the ring and owns about as much as primary (see the class comment). From
     * an uneven ring the newcomer takes from the nodes above the mean, and may end above
     * {@code 1/(N+1)} itself when the others are below it: it stops level with the most loaded.
     * Racks are ignored; for a ring with racks, the overload that takes the newcomer's rack does
     * better. Never a token of {@code current}, never {@link Token#MIN}; ascending.
     *
     * @throws IllegalStateException if the ring has no range wide enough to split (only a ring
     *     of adjacent tokens)
     */
    public static List<Long> allocate(Ring current, int numTokens, int replicationFactor, RandomSource random) {
        return plan(current, numTokens, replicationFactor, null, random);
    }

    /**
     * As {@link #allocate(Ring, int, int, RandomSource)}, for a newcomer in {@code rack}: replica
     * shares are those of the rack-aware preference lists of the ring it will join.
     *
     * @param rack the rack the newcomer will pass to {@link Ring#withNode}: one of the ring's
     *     racks, or a new one, when the ring has racks; {@link Ring#NO_RACK} when it has none
     */
    public static List<Long> allocate(Ring current, int numTokens, int replicationFactor, String rack,
            RandomSource random) {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(rack, "rack");
        if (!current.isEmpty()) {
            Checks.require(current.hasRacks() != Ring.NO_RACK.equals(rack), "rack", "'" + rack + "'",
                    current.hasRacks() ? "a rack, as every node of this ring has one"
                            : "Ring.NO_RACK, as this ring has no racks");
        }
        return plan(current, numTokens, replicationFactor, rack, random);
    }

    private static List<Long> plan(Ring current, int numTokens, int replicationFactor, String rack,
            RandomSource random) {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(random, "random");
        checkNumTokens(numTokens);
        Checks.requirePositive(replicationFactor, "replicationFactor");
        if (current.isEmpty()) {
            return firstNode(numTokens, random);
        }
        return new Plan(current, numTokens, replicationFactor, rack).tokens();
    }

    private static void checkNumTokens(int numTokens) {
        Checks.require(numTokens >= 1 && numTokens <= Ring.MAX_TOKENS_PER_NODE, "numTokens", numTokens,
                ">= 1 and <= " + Ring.MAX_TOKENS_PER_NODE);
    }

    /** Evenly spaced tokens turned by a random offset: a lone node owns everything whatever it picks. */
    private static List<Long> firstNode(int numTokens, RandomSource random) {
        List<Long> even = evenTokens(0, 1, numTokens);
        long offset = random.nextLong();
        long[] t = new long[numTokens];
        for (int i = 0; i < numTokens; i++) {
            t[i] = even.get(i) + offset;
            if (t[i] == Token.MIN) {
                // The spacing is at least 2^64 / 1536, so the neighbour token is free.
                t[i]++;
            }
        }
        Arrays.sort(t);
        return asList(t);
    }

    private static List<Long> asList(long[] t) {
        List<Long> list = new ArrayList<>(t.length);
        for (long token : t) {
            list.add(token);
        }
        return Collections.unmodifiableList(list);
    }

    /**
     * One join's plan: a working copy of the ring in node and vnode indexes, to which the
     * newcomer's tokens are added one at a time.
     */
    private static final class Plan {
        private final int numTokens;
        /** The newcomer's node index: one past the old nodes. */
        private final int newcomer;
        private final int nodeCount;
        /** The length of the preference lists whose load is balanced; walks are this long. */
        private final int replicas;
        /** Each node's rack number, the newcomer's last; null when walks ignore racks. */
        private final int[] rackIds;
        /**
         * {@link #RANGE_WEIGHT} times the vnodes per node after the join: the squared range sizes
         * then sum to about as much as the squared shares.
         */
        private final double rangeWeight;
        /** How many racks; 1 when walks ignore racks. */
        private final int rackCount;
        /** Each rack's node count, the newcomer included. */
        private final int[] rackSize;

        // The working ring: vnodes in token order, and what follows from them.
        private long[] tokens;
        private int[] owners;
        private int vnodes;
        /** Each vnode's range as a fraction of the ring. */
        private double[] sizes;
        /** Vnode v's walk: {@code walks[v * replicas, (v + 1) * replicas)}. */
        private int[] walks;
        /** How many vnodes each walk visited. */
        private int[] spans;
        private int maxSpan;
        /** Each node's primary range, as a fraction of the ring. */
        private final double[] owned;
        /** Each node's replicated ranges, as a fraction of the ring (not divided by replicas). */
        private final double[] held;
        /** What each rack's nodes replicate together. */
        private final double[] rackHeld;

        // Scratch, marked with stamps so that nothing needs clearing.
        private final int[] nodeMark;
        private final int[] rackMark;
        private final int[] skipped;
        private int walkStamp;
        private final int[] walk;
        /** Per node (then per rack): how its replica holding changes, as constant + slope * piece. */
        private final double[] constant;
        private final double[] slope;
        private final double[] rackConstant;
        private final double[] rackSlope;
        private final int[] touchMark;
        private final int[] rackTouchMark;
        private int touchStamp;
        private final int[] touched;
        private int touchedCount;
        private final int[] racksTouched;
        private int racksTouchedCount;

        /** The best placement {@link #choose} found: the vnode to cut, the piece, and the change. */
        private int chosenVnode;
        private double chosenPiece;
        private double chosenChange;
        /**
         * While tokens are first placed, the largest piece a cut may take, unless the range is too
         * large to cut that finely; 1 when refining.
         */
        private double pieceCap = 1.0;
        /** The piece {@link #evaluate} found best for its vnode. */
        private double piece;

        Plan(Ring ring, int numTokens, int replicationFactor, String rack) {
            this.numTokens = numTokens;
            this.newcomer = ring.size();
            this.nodeCount = newcomer + 1;
            this.replicas = Math.min(replicationFactor, ring.size());
            this.rangeWeight = RANGE_WEIGHT * (ring.vnodeCount() + numTokens) / nodeCount;
            this.rackIds = replicas > 1 ? rackNumbers(ring, rack) : null;
            int racks = 1;
            if (rackIds != null) {
                for (int id : rackIds) {
                    racks = Math.max(racks, id + 1);
                }
            }
            this.rackCount = racks;
            this.rackSize = new int[racks];
            for (int i = 0; i < nodeCount; i++) {
                rackSize[rackOf(i)]++;
            }
            this.owned = new double[nodeCount];
            this.held = new double[nodeCount];
            this.rackHeld = new double[racks];
            this.nodeMark = new int[nodeCount];
            this.rackMark = new int[racks];
            this.skipped = new int[nodeCount];
            this.walk = new int[replicas];
            this.constant = new double[nodeCount];
            this.slope = new double[nodeCount];
            this.rackConstant = new double[racks];
            this.rackSlope = new double[racks];
            this.touchMark = new int[nodeCount];
            this.rackTouchMark = new int[racks];
            this.touched = new int[nodeCount];
            this.racksTouched = new int[racks];
            this.vnodes = ring.vnodeCount();
            this.tokens = new long[vnodes];
            this.owners = new int[vnodes];
            for (int v = 0; v < vnodes; v++) {
                tokens[v] = ring.vnodeToken(v);
                owners[v] = ring.vnodeOwner(v);
            }
            rebuild();
        }

        /**
         * Rack numbers for the walks, or null to walk without racks: when the ring has fewer than
         * two racks, when the newcomer's rack is unknown, or when it is a rack the ring does not
         * hold yet (the newcomer is then the only node of its rack and replicates every key whose
         * list reaches for that rack, wherever its tokens lie).
         */
        private static int[] rackNumbers(Ring ring, String rack) {
            if (rack == null || !ring.hasRacks()) {
                return null;
            }
            TreeMap<String, Integer> numbers = new TreeMap<>();
            for (int i = 0; i < ring.size(); i++) {
                numbers.putIfAbsent(ring.nodeRack(i), numbers.size());
            }
            if (numbers.size() < 2 || !numbers.containsKey(rack)) {
                return null;
            }
            int[] ids = new int[ring.size() + 1];
            for (int i = 0; i < ring.size(); i++) {
                ids[i] = numbers.get(ring.nodeRack(i));
            }
            ids[ring.size()] = numbers.get(rack);
            return ids;
        }

        private int rackOf(int node) {
            return rackIds == null ? 0 : rackIds[node];
        }

        List<Long> tokens() {
            long[] placed = new long[numTokens];
            for (int k = 0; k < numTokens; k++) {
                // Each token takes at most an equal part of the primary share still owed.
                pieceCap = Math.max(0, 1.0 / nodeCount - owned[newcomer]) / (numTokens - k);
                placed[k] = choose() ? checkedCut(imbalance()) : splitOwnRange();
            }
            pieceCap = 1.0;
            int passes = Math.max(1, REFINEMENT_PLACEMENTS / numTokens);
            for (int pass = 0; pass < passes; pass++) {
                boolean moved = false;
                for (int k = 0; k < numTokens; k++) {
                    double before = imbalance();
                    remove(placed[k]);
                    double without = imbalance();
                    if (choose() && without + chosenChange < before - tolerance(before)) {
                        long token = checkedCut(without);
                        moved |= token != placed[k];
                        placed[k] = token;
                    } else {
                        insert(placed[k]);
                    }
                }
                if (!moved) {
                    break;
                }
            }
            Arrays.sort(placed);
            return asList(placed);
        }

        /** Makes the chosen cut, checking that it changed the imbalance as {@link #evaluate} said. */
        private long checkedCut(double before) {
            long token = cut(chosenVnode, chosenPiece);
            double after = imbalance();
            assert Math.abs(after - (before + chosenChange)) <= 1e-9 * before + 1e-6 * -chosenChange
                    : "cut of vnode " + chosenVnode + " predicted " + chosenChange + ", made " + (after - before);
            return token;
        }

        /** Changes smaller than this are rounding, not improvement. */
        private static double tolerance(double imbalance) {
            return 1e-12 * imbalance;
        }

        /**
         * Finds the vnode whose cut lowers the imbalance most, and the piece to cut; false if no
         * cut lowers it.
         */
        private boolean choose() {
            chosenVnode = -1;
            chosenChange = -tolerance(imbalance());
            for (int v = 0; v < vnodes; v++) {
                if (owners[v] != newcomer && splittable(v)) {
                    double change = evaluate(v);
                    if (change < chosenChange) {
                        chosenChange = change;
                        chosenVnode = v;
                        chosenPiece = piece;
                    }
                }
            }
            return chosenVnode >= 0;
        }

        /**
         * Nothing left to improve (a ring of very few vnodes, or tokens beyond what the newcomer
         * can use): halves the newcomer's largest range, which moves no data.
         */
        private long splitOwnRange() {
            int largest = -1;
            for (int v = 0; v < vnodes; v++) {
                if (owners[v] == newcomer && splittable(v) && (largest < 0 || sizes[v] > sizes[largest])) {
                    largest = v;
                }
            }
            if (largest < 0) {
                throw new IllegalStateException("no vnode range of the ring is wide enough to split for the "
                        + "newcomer's tokens");
            }
            return cut(largest, sizes[largest] / 2);
        }

        /** Places a token of the newcomer {@code length} past the start of vnode v's range; returns it. */
        private long cut(int v, double length) {
            long start = tokens[v == 0 ? vnodes - 1 : v - 1];
            long token = tokenInside(start, rangeSize(v), length * RING_SIZE);
            insert(token);
            return token;
        }

        /**
         * The imbalance: sum of squared primary shares, sum of squared replica shares less each
         * rack's mean (with racks), and {@link #RANGE_WEIGHT} times the squared range sizes, scaled
         * to the same order as the shares.
         */
        private double imbalance() {
            double f = 0;
            for (int i = 0; i < nodeCount; i++) {
                f += owned[i] * owned[i];
            }
            if (replicas > 1) {
                double r2 = (double) replicas * replicas;
                for (int i = 0; i < nodeCount; i++) {
                    f += held[i] * held[i] / r2;
                }
                if (rackIds != null) {
                    for (int k = 0; k < rackCount; k++) {
                        f -= rackHeld[k] * rackHeld[k] / (r2 * rackSize[k]);
                    }
                }
            }
            double ranges = 0;
            for (int v = 0; v < vnodes; v++) {
                ranges += sizes[v] * sizes[v];
            }
            return f + rangeWeight * ranges;
        }

        /**
         * The change of the imbalance if the newcomer cuts vnode v's range at its best piece, which
         * is left in {@link #piece}. The change is {@code a * piece^2 + b * piece + c}.
         */
        private double evaluate(int v) {
            double a = 0;
            double b = 0;
            double c = 0;
            // Primary: the piece moves from v's owner to the newcomer.
            a += 2;
            b += 2 * (owned[newcomer] - owned[owners[v]]);
            if (replicas > 1) {
                collectWalkChanges(v);
                double r2 = (double) replicas * replicas;
                for (int i = 0; i < touchedCount; i++) {
                    int node = touched[i];
                    double after = held[node] + constant[node];
                    a += slope[node] * slope[node] / r2;
                    b += 2 * after * slope[node] / r2;
                    c += constant[node] * (held[node] + after) / r2;
                }
                for (int i = 0; i < racksTouchedCount; i++) {
                    int k = racksTouched[i];
                    double w = r2 * rackSize[k];
                    double after = rackHeld[k] + rackConstant[k];
                    a -= rackSlope[k] * rackSlope[k] / w;
                    b -= 2 * after * rackSlope[k] / w;
                    c -= rackConstant[k] * (rackHeld[k] + after) / w;
                }
            }
            // Ranges: v's range splits into the piece and the rest.
            a += 2 * rangeWeight;
            b -= 2 * rangeWeight * sizes[v];
            double lo = Math.max(CUT_MARGIN * sizes[v], 1 / RING_SIZE);
            double hi = Math.min((1 - CUT_MARGIN) * sizes[v], sizes[v] - 2 / RING_SIZE);
            piece = Math.max(lo, Math.min(pieceCap >= lo ? Math.min(hi, pieceCap) : hi, -b / (2 * a)));
            return (a * piece + b) * piece + c;
        }

        /**
         * Fills {@link #constant} and {@link #slope} for the nodes whose replica holding a cut of
         * vnode v changes: the piece takes a walk of its own, and earlier walks that reached v meet
         * the newcomer first.
         */
        private void collectWalkChanges(int v) {
            if (++touchStamp == 0) {
                Arrays.fill(touchMark, 0);
                Arrays.fill(rackTouchMark, 0);
                touchStamp = 1;
            }
            touchedCount = 0;
            racksTouchedCount = 0;
            walkInserted(v, v);
            diff(v, true, 1.0);
            int back = Math.min(maxSpan, vnodes - 1);
            for (int d = 1; d <= back; d++) {
                int u = v - d < 0 ? v - d + vnodes : v - d;
                if (spans[u] > d) {
                    walkInserted(u < v ? u : u + 1, v);
                    diff(u, false, sizes[u]);
                }
            }
            if (spans[v] >= vnodes) {
                // v's own walk went round the whole ring and now meets the newcomer at its end.
                walkInserted(v + 1, v);
                diff(v, false, sizes[v]);
            }
        }

        /** Records the change from vnode v's walk to {@link #walk}: per token of the piece, or for v's whole range. */
        private void diff(int v, boolean perPiece, double amount) {
            int from = v * replicas;
            for (int j = 0; j < replicas; j++) {
                if (!contains(walks, from, walk[j])) {
                    touch(walk[j], perPiece, amount);
                }
                if (!contains(walk, 0, walks[from + j])) {
                    touch(walks[from + j], perPiece, -amount);
                }
            }
        }

        private boolean contains(int[] nodes, int from, int node) {
            for (int j = from; j < from + replicas; j++) {
                if (nodes[j] == node) {
                    return true;
                }
            }
            return false;
        }

        private void touch(int node, boolean perPiece, double amount) {
            if (touchMark[node] != touchStamp) {
                touchMark[node] = touchStamp;
                touched[touchedCount++] = node;
                constant[node] = 0;
                slope[node] = 0;
            }
            if (perPiece) {
                slope[node] += amount;
            } else {
                constant[node] += amount;
            }
            if (rackIds == null) {
                return;
            }
            int k = rackIds[node];
            if (rackTouchMark[k] != touchStamp) {
                rackTouchMark[k] = touchStamp;
                racksTouched[racksTouchedCount++] = k;
                rackConstant[k] = 0;
                rackSlope[k] = 0;
            }
            if (perPiece) {
                rackSlope[k] += amount;
            } else {
                rackConstant[k] += amount;
            }
        }

        /**
         * Fills {@link #walk} with the walk from index {@code start} of the ring as it would be with
         * the newcomer's token inserted at index {@code at}, before old vnode {@code at}.
         */
        private void walkInserted(int start, int at) {
            walk(start, vnodes + 1, at);
        }

        /**
         * Fills {@link #walk} with the first {@link #replicas} nodes met from index {@code start} of
         * a sequence of {@code length} vnodes, the working ring with the newcomer inserted at
         * {@code at} (-1: not inserted), as {@link Ring#preferenceList} walks; returns how many
         * vnodes it visited.
         */
        private int walk(int start, int length, int at) {
            if (++walkStamp == 0) {
                Arrays.fill(nodeMark, 0);
                Arrays.fill(rackMark, 0);
                walkStamp = 1;
            }
            int j = start;
            int step = 0;
            if (rackIds == null) {
                for (int found = 0; found < replicas; ) {
                    int node = at < 0 || j < at ? owners[j] : j == at ? newcomer : owners[j - 1];
                    step++;
                    j = j + 1 == length ? 0 : j + 1;
                    if (nodeMark[node] != walkStamp) {
                        nodeMark[node] = walkStamp;
                        walk[found++] = node;
                    }
                }
                return step;
            }
            // The first node of each rack in walk order, then the skipped nodes in walk order.
            int firsts = 0;
            int skips = 0;
            while (step < length) {
                int node = at < 0 || j < at ? owners[j] : j == at ? newcomer : owners[j - 1];
                step++;
                j = j + 1 == length ? 0 : j + 1;
                if (nodeMark[node] == walkStamp) {
                    continue;
                }
                nodeMark[node] = walkStamp;
                int rack = rackIds[node];
                if (rackMark[rack] != walkStamp) {
                    rackMark[rack] = walkStamp;
                    walk[firsts++] = node;
                    if (firsts == replicas) {
                        return step;
                    }
                } else {
                    skipped[skips++] = node;
                }
                if (firsts == rackCount && firsts + skips >= replicas) {
                    break;
                }
            }
            System.arraycopy(skipped, 0, walk, firsts, replicas - firsts);
            return step;
        }

        /** Adds the newcomer's token to the working ring. */
        private void insert(long token) {
            int at = 0;
            while (at < vnodes && tokens[at] < token) {
                at++;
            }
            long[] t = new long[vnodes + 1];
            int[] o = new int[vnodes + 1];
            System.arraycopy(tokens, 0, t, 0, at);
            System.arraycopy(owners, 0, o, 0, at);
            t[at] = token;
            o[at] = newcomer;
            System.arraycopy(tokens, at, t, at + 1, vnodes - at);
            System.arraycopy(owners, at, o, at + 1, vnodes - at);
            tokens = t;
            owners = o;
            vnodes++;
            rebuild();
        }

        /** Takes one of the newcomer's tokens out of the working ring. */
        private void remove(long token) {
            int at = 0;
            while (tokens[at] != token) {
                at++;
            }
            long[] t = new long[vnodes - 1];
            int[] o = new int[vnodes - 1];
            System.arraycopy(tokens, 0, t, 0, at);
            System.arraycopy(owners, 0, o, 0, at);
            System.arraycopy(tokens, at + 1, t, at, vnodes - at - 1);
            System.arraycopy(owners, at + 1, o, at, vnodes - at - 1);
            tokens = t;
            owners = o;
            vnodes--;
            rebuild();
        }

        /** Recomputes range sizes, walks and holdings from the tokens. */
        private void rebuild() {
            sizes = new double[vnodes];
            walks = new int[vnodes * replicas];
            spans = new int[vnodes];
            maxSpan = 0;
            Arrays.fill(owned, 0);
            Arrays.fill(held, 0);
            Arrays.fill(rackHeld, 0);
            for (int v = 0; v < vnodes; v++) {
                long size = rangeSize(v);
                sizes[v] = size == 0 ? 1.0 : Ring.unsignedToDouble(size) / RING_SIZE;
                owned[owners[v]] += sizes[v];
                spans[v] = walk(v, vnodes, -1);
                maxSpan = Math.max(maxSpan, spans[v]);
                System.arraycopy(walk, 0, walks, v * replicas, replicas);
                for (int node : walk) {
                    held[node] += sizes[v];
                    rackHeld[rackOf(node)] += sizes[v];
                }
            }
        }

        /** Vnode v's range size as an unsigned long, 0 standing for the whole ring. */
        private long rangeSize(int v) {
            return tokens[v] - tokens[v == 0 ? vnodes - 1 : v - 1];
        }

        /** Whether vnode v's range is wide enough to hold a new token strictly inside. */
        private boolean splittable(int v) {
            long size = rangeSize(v);
            return size == 0 || Long.compareUnsigned(size, 3) >= 0;
        }

        /**
         * A token strictly inside {@code (start, start + rangeSize)} (sizes unsigned, 0 meaning
         * 2^64, at least 3), about {@code x} past start, and never Token.MIN.
         */
        private static long tokenInside(long start, long rangeSize, double x) {
            long offset = x >= 0x1p63 ? (long) (x - 0x1p63) + Long.MIN_VALUE : (long) x;
            if (offset == 0) {
                offset = 1;
            } else if (Long.compareUnsigned(offset, rangeSize - 2) > 0) {
                offset = rangeSize - 2;
            }
            long token = start + offset;
            // offset + 1 <= rangeSize - 1 is still inside the range.
            return token == Token.MIN ? token + 1 : token;
        }
    }
}
