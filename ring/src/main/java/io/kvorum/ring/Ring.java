package io.kvorum.ring;

import io.kvorum.core.Checks;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable snapshot of the token ring: which node owns which virtual-node tokens, in which
 * rack, and so which nodes hold each key.
 *
 * <p>Placement is Dynamo's consistent hashing with virtual nodes, in Cassandra's orientation: a
 * vnode at token {@code T} owns the range {@code (previous token, T]}, so a key with token
 * {@code t} belongs to the first vnode token {@code >= t}, wrapping past {@link Token#MAX} to the
 * smallest. The preference list of a key is the first n distinct physical nodes met walking
 * clockwise from that vnode. When nodes carry racks (at least two distinct ones) the walk
 * prefers nodes of racks not yet used, as Cassandra's NetworkTopologyStrategy does: the first node
 * met of each rack, in clockwise order, then the nodes it skipped, in clockwise order. With one
 * rack or none that is the plain walk.
 *
 * <p>A preference list is a pure function of the key and the ring's contents: two rings built
 * from the same tokens and racks in any order are {@link #equals equal} and place every key
 * alike, which is what lets every node route a request without asking another.
 *
 * <p>{@link #preferenceList} runs on every request, so the ring precomputes, for every vnode,
 * the first {@value #PRECOMPUTED_REPLICAS} entries of its walk into one flat array, and a bucket
 * index over the tokens' top bits: a call is an array lookup, a scan over about one token, and
 * one small read-only view over that array (7 to 15 ns at 32 nodes of 16 vnodes). Longer lists
 * are walked on demand. Building a ring costs a sort and one short walk per vnode; rings change
 * only when membership does.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Ring {
    /**
     * The most tokens one node may own. Rings arrive from gossip as well as from configuration, so
     * the size of one is bounded; vnode counts in practice are 8 to 256.
     */
    public static final int MAX_TOKENS_PER_NODE = 1536;

    /** The rack of every node of a ring configured without racks. */
    public static final String NO_RACK = "";

    /**
     * How many replicas of each vnode's walk are kept precomputed. Replication factors in
     * Dynamo-style stores are 3 to 5; a few more leave room for sloppy-quorum fallbacks, and the
     * memory is this many ints per vnode.
     */
    static final int PRECOMPUTED_REPLICAS = 8;

    private static final Ring EMPTY = new Ring(new NodeId[0], new long[0][], new String[0]);

    /** Members in NodeId order; a node's index into this array names it everywhere below. */
    private final NodeId[] nodes;
    /** Each member's tokens, ascending, in node index order. */
    private final long[][] nodeTokens;
    /** Each member's rack, {@link #NO_RACK} when the ring has no racks. */
    private final String[] racks;
    /** Each member's rack as a small number, for the walk's "rack already used" marks. */
    private final int[] rackIds;
    private final int rackCount;

    /** Every vnode token, ascending. */
    private final long[] tokens;
    /** The node index owning each vnode. */
    private final int[] owners;

    /** Bits of a token that pick its bucket: two to four buckets per vnode, at most 2^20 buckets. */
    private final int bucketBits;
    /**
     * For each bucket of the ring (tokens sharing their top {@link #bucketBits} bits), the first
     * vnode whose token lies in it or after it; one more entry closes the last bucket. Finding a
     * key's vnode is then a lookup and a scan over about one token, instead of a binary search
     * whose branches the processor cannot predict.
     */
    private final int[] bucketStarts;

    /** Entries precomputed per vnode: min(node count, PRECOMPUTED_REPLICAS). */
    private final int cached;
    /** Node indexes: vnode v's walk starts at {@code walks[v * cached]}. */
    private final int[] walks;

    private final Set<NodeId> nodeSet;
    private final Map<NodeId, Double> ownership;
    private final int hash;

    private Ring(NodeId[] nodes, long[][] nodeTokens, String[] racks) {
        this.nodes = nodes;
        this.nodeTokens = nodeTokens;
        this.racks = racks;

        TreeMap<String, Integer> rackNumbers = new TreeMap<>();
        for (String rack : racks) {
            rackNumbers.putIfAbsent(rack, rackNumbers.size());
        }
        this.rackIds = new int[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            rackIds[i] = rackNumbers.get(racks[i]);
        }
        this.rackCount = rackNumbers.size();

        int vnodes = 0;
        for (long[] t : nodeTokens) {
            vnodes += t.length;
        }
        this.tokens = new long[vnodes];
        this.owners = new int[vnodes];
        sortVnodes(nodes, nodeTokens, tokens, owners);
        this.bucketBits = Math.min(20, 2 + 31 - Integer.numberOfLeadingZeros(Math.max(vnodes, 1)));
        this.bucketStarts = new int[(1 << bucketBits) + 1];
        for (int b = 0, v = 0; b < bucketStarts.length; b++) {
            while (v < vnodes && bucket(tokens[v]) < b) {
                v++;
            }
            bucketStarts[b] = v;
        }

        this.cached = Math.min(nodes.length, PRECOMPUTED_REPLICAS);
        this.walks = new int[vnodes * cached];
        Walker walker = new Walker();
        for (int v = 0; v < vnodes; v++) {
            walker.walk(v, cached, walks, v * cached);
        }

        // Sum each node's tokens exactly, as unsigned longs, and round once: a node's sum is below
        // 2^64 unless it is the only node, whose share is exactly 1.
        long[] ownedTokens = new long[nodes.length];
        for (int v = 0; v < vnodes; v++) {
            ownedTokens[owners[v]] += rangeSize(v);
        }
        TreeMap<NodeId, Double> shares = new TreeMap<>();
        for (int i = 0; i < nodes.length; i++) {
            shares.put(nodes[i], nodes.length == 1 ? 1.0 : fractionOfRing(ownedTokens[i]));
        }
        this.ownership = Collections.unmodifiableMap(shares);
        this.nodeSet = Collections.unmodifiableSet(new TreeSet<>(Arrays.asList(nodes)));
        this.hash = 31 * (31 * Arrays.hashCode(tokens) + Arrays.hashCode(owners)) + Arrays.hashCode(racks);
    }

    /** The ring with no nodes; every preference list on it is empty. */
    public static Ring empty() {
        return EMPTY;
    }

    /**
     * The ring in which each node of {@code tokens} owns the vnodes at its tokens.
     *
     * @param tokens each node's vnode tokens: at least one, at most {@link #MAX_TOKENS_PER_NODE},
     *     never {@link Token#MIN}, and no token claimed twice
     * @param racks each node's rack, or an empty map for a ring without racks; when given, every
     *     node has exactly one non-blank rack
     * @throws IllegalArgumentException naming the offending node and token
     */
    public static Ring of(Map<NodeId, ? extends Collection<Long>> tokens, Map<NodeId, String> racks) {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(racks, "racks");
        if (tokens.isEmpty()) {
            Checks.require(racks.isEmpty(), "racks", racks, "no racks for a ring without nodes");
            return EMPTY;
        }
        TreeMap<NodeId, Collection<Long>> sorted = new TreeMap<>(tokens);
        NodeId[] nodes = sorted.keySet().toArray(new NodeId[0]);
        long[][] nodeTokens = new long[nodes.length][];
        String[] rackOf = new String[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            NodeId node = Objects.requireNonNull(nodes[i], "node");
            nodeTokens[i] = checkedTokens(node, sorted.get(node));
            rackOf[i] = racks.isEmpty() ? NO_RACK : checkedRack(node, racks.get(node));
        }
        for (NodeId node : racks.keySet()) {
            Checks.require(sorted.containsKey(node), "racks", "a rack for " + node,
                    "a rack only for nodes that own tokens");
        }
        return new Ring(nodes, nodeTokens, rackOf);
    }

    private static long[] checkedTokens(NodeId node, Collection<Long> given) {
        Checks.require(given != null && !given.isEmpty(), "tokens of node " + node, given, "at least one token");
        Checks.require(given.size() <= MAX_TOKENS_PER_NODE, "tokens of node " + node, given.size() + " tokens",
                "<= " + MAX_TOKENS_PER_NODE);
        long[] t = new long[given.size()];
        int i = 0;
        for (Long token : given) {
            Checks.require(token != null && token != Token.MIN, "token of node " + node, token,
                    "not null and not Token.MIN, the ring's origin, which no vnode may hold");
            t[i++] = token;
        }
        Arrays.sort(t);
        for (i = 1; i < t.length; i++) {
            Checks.require(t[i] != t[i - 1], "tokens of node " + node, t[i] + " twice", "distinct tokens");
        }
        return t;
    }

    private static String checkedRack(NodeId node, String rack) {
        Checks.require(rack != null, "racks", "no rack for " + node, "a rack for every node, or no racks at all");
        Checks.require(!rack.isBlank(), "rack of node " + node, "'" + rack + "'", "a non-blank name");
        return rack;
    }

    /** Fills {@code tokens} ascending and {@code owners} beside them; rejects a token claimed by two nodes. */
    private static void sortVnodes(NodeId[] nodes, long[][] nodeTokens, long[] tokens, int[] owners) {
        // Sort (token, owner) pairs by token: a token claimed twice then shows up as two equal
        // neighbours whose owners the message can name.
        long[][] pairs = new long[tokens.length][];
        int v = 0;
        for (int i = 0; i < nodes.length; i++) {
            for (long t : nodeTokens[i]) {
                pairs[v++] = new long[] {t, i};
            }
        }
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        for (v = 0; v < tokens.length; v++) {
            tokens[v] = pairs[v][0];
            owners[v] = (int) pairs[v][1];
            if (v > 0 && tokens[v] == tokens[v - 1]) {
                throw new IllegalArgumentException("token " + tokens[v] + " is claimed by both "
                        + nodes[Math.min(owners[v - 1], owners[v])] + " and " + nodes[Math.max(owners[v - 1], owners[v])]
                        + " (expected: every token owned by one node)");
            }
        }
    }

    /**
     * The first {@code min(n, size())} distinct nodes that hold the key with token {@code token},
     * its primary owner first. The list is unmodifiable and random access.
     */
    public List<NodeId> preferenceList(long token, int n) {
        Checks.requirePositive(n, "n");
        if (tokens.length == 0) {
            return List.of();
        }
        int v = vnodeOf(token);
        int size = Math.min(n, nodes.length);
        if (size <= cached) {
            return new Replicas(nodes, walks, v * cached, size);
        }
        int[] walk = new int[size];
        new Walker().walk(v, size, walk, 0);
        return new Replicas(nodes, walk, 0, size);
    }

    /** The preference list of {@code key}: {@code preferenceList(key.token(), n)}. */
    public List<NodeId> preferenceList(Key key, int n) {
        return preferenceList(key.token(), n);
    }

    /** The vnode owning {@code token}: the first whose token is {@code >= token}, else the first. */
    private int vnodeOf(long token) {
        int b = bucket(token);
        int v = bucketStarts[b];
        int end = bucketStarts[b + 1];
        while (v < end && tokens[v] < token) {
            v++;
        }
        return v == tokens.length ? 0 : v;
    }

    /** The token's top bits, read as unsigned from the ring's origin. */
    private int bucket(long token) {
        return (int) ((token - Token.MIN) >>> (64 - bucketBits));
    }

    /** The members, in NodeId order. */
    public Set<NodeId> nodes() {
        return nodeSet;
    }

    /** How many nodes the ring holds. */
    public int size() {
        return nodes.length;
    }

    public boolean isEmpty() {
        return nodes.length == 0;
    }

    public boolean contains(NodeId node) {
        return indexOf(node) >= 0;
    }

    /** The node's vnode tokens, ascending. */
    public List<Long> tokensOf(NodeId node) {
        long[] t = nodeTokens[memberIndex(node)];
        List<Long> list = new ArrayList<>(t.length);
        for (long token : t) {
            list.add(token);
        }
        return Collections.unmodifiableList(list);
    }

    /** The node's rack, or {@link #NO_RACK} when the ring has no racks. */
    public String rackOf(NodeId node) {
        return racks[memberIndex(node)];
    }

    /** True when nodes carry racks (even if all share one). */
    public boolean hasRacks() {
        return nodes.length > 0 && !NO_RACK.equals(racks[0]);
    }

    /** How many vnodes the ring holds. */
    public int vnodeCount() {
        return tokens.length;
    }

    /**
     * The fraction of the token space each node owns as primary owner (replication ignored). The
     * fractions sum to 1 up to rounding; a ring of one vnode is owned wholly by its node.
     */
    public Map<NodeId, Double> ownership() {
        return ownership;
    }

    /** The ranges {@code (previous token, token]} of the node's own vnodes, in token order. */
    public List<TokenRange> primaryRanges(NodeId node) {
        int index = memberIndex(node);
        List<TokenRange> ranges = new ArrayList<>(nodeTokens[index].length);
        for (int v = 0; v < tokens.length; v++) {
            if (owners[v] == index) {
                ranges.add(rangeOf(v));
            }
        }
        return Collections.unmodifiableList(ranges);
    }

    /**
     * Every vnode range, in token order, whose preference list of length {@code n} includes the
     * node: the data it must hold at replication factor n. Ranges are per vnode and never merged,
     * because replicas compare Merkle trees and stream data range by range and must cut the ring
     * at the same points.
     */
    public List<TokenRange> replicaRanges(NodeId node, int n) {
        Checks.requirePositive(n, "n");
        int index = memberIndex(node);
        List<TokenRange> ranges = new ArrayList<>();
        forEachWalk(n, (v, walk, from, size) -> {
            for (int j = 0; j < size; j++) {
                if (walk[from + j] == index) {
                    ranges.add(rangeOf(v));
                    break;
                }
            }
        });
        return Collections.unmodifiableList(ranges);
    }

    /** What {@link #forEachWalk} hands over: vnode v's walk is {@code walk[from .. from + size)}. */
    @FunctionalInterface
    private interface WalkVisitor {
        void visit(int vnode, int[] walk, int from, int size);
    }

    /** Visits every vnode's walk of length {@code min(n, size())}: precomputed when short enough, walked otherwise. */
    private void forEachWalk(int n, WalkVisitor visitor) {
        int size = Math.min(n, nodes.length);
        int[] walk = size <= cached ? walks : new int[size];
        Walker walker = size <= cached ? null : new Walker();
        for (int v = 0; v < tokens.length; v++) {
            int from = v * cached;
            if (walker != null) {
                walker.walk(v, size, walk, 0);
                from = 0;
            }
            visitor.visit(v, walk, from, size);
        }
    }

    /**
     * This ring with {@code node} added.
     *
     * @param rack the node's rack; {@link #NO_RACK} exactly when the ring has no racks (any rack
     *     is accepted by an empty ring)
     */
    public Ring withNode(NodeId node, Collection<Long> nodeTokens, String rack) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(rack, "rack");
        Checks.require(!contains(node), "node", node, "a node not yet in the ring");
        if (!isEmpty()) {
            Checks.require(hasRacks() != NO_RACK.equals(rack), "rack of node " + node, "'" + rack + "'",
                    hasRacks() ? "a rack, as every node of this ring has one" : "Ring.NO_RACK, as this ring has no racks");
        }
        Map<NodeId, Collection<Long>> t = tokenMap();
        t.put(node, nodeTokens);
        Map<NodeId, String> r = rackMap();
        if (!NO_RACK.equals(rack)) {
            r.put(node, rack);
        }
        return of(t, r);
    }

    /** This ring without {@code node}, whose ranges pass to the next vnodes clockwise. */
    public Ring withoutNode(NodeId node) {
        int index = memberIndex(node);
        if (nodes.length == 1) {
            return EMPTY;
        }
        NodeId[] n = new NodeId[nodes.length - 1];
        long[][] t = new long[nodes.length - 1][];
        String[] r = new String[nodes.length - 1];
        for (int i = 0, j = 0; i < nodes.length; i++) {
            if (i != index) {
                n[j] = nodes[i];
                t[j] = nodeTokens[i];
                r[j] = racks[i];
                j++;
            }
        }
        return new Ring(n, t, r);
    }

    /** Each node's tokens, as a mutable map a caller may change and pass to {@link #of}. */
    public Map<NodeId, Collection<Long>> tokenMap() {
        Map<NodeId, Collection<Long>> map = new TreeMap<>();
        for (NodeId node : nodes) {
            map.put(node, tokensOf(node));
        }
        return map;
    }

    /** Each node's rack (empty when the ring has no racks), as a mutable map. */
    public Map<NodeId, String> rackMap() {
        Map<NodeId, String> map = new TreeMap<>();
        if (hasRacks()) {
            for (int i = 0; i < nodes.length; i++) {
                map.put(nodes[i], racks[i]);
            }
        }
        return map;
    }

    /**
     * Each node's replica share at replication factor n: the part of the token space whose
     * preference lists of length n include it, divided by {@code min(n, size())} so that the
     * shares sum to 1 and their mean is {@code 1/size()}. Every read and write of a key goes to
     * its n replicas, so this, not {@link #ownership}, is the share of the load a node carries.
     */
    public Map<NodeId, Double> replicaShares(int n) {
        Checks.requirePositive(n, "n");
        int size = Math.min(n, nodes.length);
        double[] held = new double[nodes.length];
        forEachWalk(n, (v, walk, from, length) -> {
            double range = fractionOfRing(rangeSize(v));
            for (int j = 0; j < length; j++) {
                held[walk[from + j]] += range;
            }
        });
        TreeMap<NodeId, Double> shares = new TreeMap<>();
        for (int i = 0; i < nodes.length; i++) {
            shares.put(nodes[i], held[i] / size);
        }
        return shares;
    }

    /** Node {@code index}'s rack; for the allocator, which plans in node indexes. */
    String nodeRack(int index) {
        return racks[index];
    }

    /** Vnode v's token; for the allocator, which plans in vnode and node indexes. */
    long vnodeToken(int v) {
        return tokens[v];
    }

    /** The node index owning vnode v. */
    int vnodeOwner(int v) {
        return owners[v];
    }

    /** Vnode v's range size as an unsigned long, 0 standing for the whole ring. */
    long vnodeRangeSize(int v) {
        return rangeSize(v);
    }

    private int indexOf(NodeId node) {
        return Arrays.binarySearch(nodes, Objects.requireNonNull(node, "node"));
    }

    private int memberIndex(NodeId node) {
        int i = indexOf(node);
        Checks.require(i >= 0, "node", node, "a member of the ring");
        return i;
    }

    private TokenRange rangeOf(int v) {
        return TokenRange.of(tokens[v == 0 ? tokens.length - 1 : v - 1], tokens[v]);
    }

    /** The number of tokens vnode v owns, as an unsigned long; 0 stands for the whole ring (2^64). */
    private long rangeSize(int v) {
        return tokens[v] - tokens[v == 0 ? tokens.length - 1 : v - 1];
    }

    /** {@code size} (unsigned, 0 meaning 2^64) as a fraction of the 2^64 tokens of the ring. */
    private static double fractionOfRing(long size) {
        return size == 0 ? 1.0 : unsignedToDouble(size) / 0x1p64;
    }

    static double unsignedToDouble(long value) {
        double d = (double) (value >>> 1) * 2.0;
        return d + (value & 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ring r && hash == r.hash && Arrays.equals(tokens, r.tokens) && Arrays.equals(owners, r.owners)
                && Arrays.equals(nodes, r.nodes) && Arrays.equals(racks, r.racks);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "Ring[" + nodes.length + " nodes, " + tokens.length + " vnodes"
                + (hasRacks() ? ", " + rackCount + " racks]" : "]");
    }

    /**
     * The walk clockwise from one vnode, with its "already chosen" marks kept between walks so
     * that precomputing every vnode's walk allocates nothing per vnode.
     */
    private final class Walker {
        private final int[] nodeMark = new int[nodes.length];
        private final int[] rackMark = new int[rackCount];
        private final int[] skipped = new int[nodes.length];
        private int stamp;

        /** Writes the first {@code n} (<= node count) nodes of vnode v's walk into {@code out[from..]}. */
        void walk(int v, int n, int[] out, int from) {
            if (++stamp == 0) {
                Arrays.fill(nodeMark, 0);
                Arrays.fill(rackMark, 0);
                stamp = 1;
            }
            if (rackCount < 2) {
                walkPlain(v, n, out, from);
            } else {
                walkRackAware(v, n, out, from);
            }
        }

        private void walkPlain(int v, int n, int[] out, int from) {
            int found = 0;
            for (int step = 0; found < n; step++) {
                int node = owners[(v + step) % tokens.length];
                if (nodeMark[node] != stamp) {
                    nodeMark[node] = stamp;
                    out[from + found++] = node;
                }
            }
        }

        /**
         * The first node of each rack in clockwise order, then the skipped nodes in clockwise
         * order. Stops as soon as the first n of that order are known: n rack-firsts, or every
         * rack seen and enough nodes skipped to fill the rest.
         */
        private void walkRackAware(int v, int n, int[] out, int from) {
            int firsts = 0;
            int skips = 0;
            for (int step = 0; step < tokens.length; step++) {
                int node = owners[(v + step) % tokens.length];
                if (nodeMark[node] == stamp) {
                    continue;
                }
                nodeMark[node] = stamp;
                int rack = rackIds[node];
                if (rackMark[rack] != stamp) {
                    rackMark[rack] = stamp;
                    out[from + firsts++] = node;
                    if (firsts == n) {
                        return;
                    }
                } else {
                    skipped[skips++] = node;
                }
                if (firsts == rackCount && firsts + skips >= n) {
                    break;
                }
            }
            System.arraycopy(skipped, 0, out, from + firsts, n - firsts);
        }
    }

    /** A preference list: a read-only view over node indexes, so that a lookup copies nothing. */
    private static final class Replicas extends AbstractList<NodeId> implements RandomAccess {
        private final NodeId[] nodes;
        private final int[] walk;
        private final int from;
        private final int size;

        Replicas(NodeId[] nodes, int[] walk, int from, int size) {
            this.nodes = nodes;
            this.walk = walk;
            this.from = from;
            this.size = size;
        }

        @Override
        public NodeId get(int index) {
            Objects.checkIndex(index, size);
            return nodes[walk[from + index]];
        }

        @Override
        public int size() {
            return size;
        }
    }
}
