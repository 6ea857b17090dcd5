package io.kvorum.client;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.core.protocol.RingResponse.Member;
import io.kvorum.ring.Ring;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The client's picture of the cluster, one immutable snapshot per ring it was told, and the pure
 * decision of where a request for a key goes.
 *
 * <p>A request goes straight to the key's first replica, as token-aware clients of Cassandra and
 * Riak do: that node coordinates it itself, saving the hop a non-replica would spend forwarding.
 * If that node cannot be reached the request goes to the next node clockwise (the next replica,
 * then nodes beyond the preference list, which forward), so the order of {@link #candidates} is
 * the key's clockwise walk over the whole ring. Nodes the cluster reports down, or that this
 * client recently failed to reach, are moved to the end rather than dropped: the cluster's view
 * may be stale, and when everything else has failed they are still worth a try. The seeds come
 * last, for members the ring does not list yet (a node still joining) or a ring not known at all.
 */
final class RoutingTable {
    private final Ring ring;
    private final int replicationFactor;
    private final Map<NodeId, Address> addresses;
    private final Set<NodeId> down;
    /** Members that take requests but own no tokens (joining), in the order the ring listed them. */
    private final List<Address> tokenless;
    private final List<Address> seeds;

    private RoutingTable(Ring ring, int replicationFactor, Map<NodeId, Address> addresses, Set<NodeId> down,
            List<Address> tokenless, List<Address> seeds) {
        this.ring = ring;
        this.replicationFactor = replicationFactor;
        this.addresses = addresses;
        this.down = down;
        this.tokenless = tokenless;
        this.seeds = seeds;
    }

    /** Before any ring is known: every request goes to the seeds, in order. */
    static RoutingTable seedsOnly(List<Address> seeds) {
        return new RoutingTable(Ring.empty(), 0, Map.of(), Set.of(), List.of(), List.copyOf(seeds));
    }

    /**
     * The table for a ring a node sent. Members without a usable address cannot be dialled and are
     * left out of routing but kept in the ring, so preference lists still match the servers'.
     *
     * @throws IllegalArgumentException when the ring is malformed (a token claimed twice, racks on some nodes only)
     */
    static RoutingTable of(RingResponse response, List<Address> seeds) {
        Map<NodeId, Collection<Long>> tokens = new TreeMap<>();
        Map<NodeId, String> racks = new TreeMap<>();
        boolean everyRack = true;
        Map<NodeId, Address> addresses = new HashMap<>();
        Set<NodeId> down = new LinkedHashSet<>();
        List<Address> tokenless = new ArrayList<>();
        for (Member m : response.members()) {
            NodeId node = new NodeId(m.nodeId());
            Address address = addressOf(m);
            if (address != null) {
                addresses.put(node, address);
            }
            if (!m.up()) {
                down.add(node);
            }
            if (m.tokens() == null || m.tokens().isEmpty()) {
                if (address != null && m.up()) {
                    tokenless.add(address);
                }
                continue;
            }
            tokens.put(node, m.tokens());
            if (m.rack() == null || m.rack().isBlank()) {
                everyRack = false;
            } else {
                racks.put(node, m.rack());
            }
        }
        Ring ring = Ring.of(tokens, everyRack ? racks : Map.of());
        return new RoutingTable(ring, response.replicationFactor(), Collections.unmodifiableMap(addresses),
                Collections.unmodifiableSet(down), List.copyOf(tokenless), List.copyOf(seeds));
    }

    private static Address addressOf(Member m) {
        if (m.host() == null || m.host().isBlank() || m.clientPort() <= 0 || m.clientPort() > 0xffff) {
            return null;
        }
        return new Address(m.host(), m.clientPort());
    }

    Ring ring() {
        return ring;
    }

    /** The cluster's replication factor, or 0 while no ring is known. */
    int replicationFactor() {
        return replicationFactor;
    }

    /**
     * Where to send a request for {@code key}, best first, each address once: the key's walk
     * clockwise with the nodes reported up and not {@code unreachable} first, then the rest of
     * the walk, then joining members, then the seeds.
     */
    List<Address> candidates(Key key, Predicate<Address> unreachable) {
        LinkedHashSet<Address> good = new LinkedHashSet<>();
        LinkedHashSet<Address> doubtful = new LinkedHashSet<>();
        if (!ring.isEmpty()) {
            for (NodeId node : ring.preferenceList(key, ring.size())) {
                Address a = addresses.get(node);
                if (a != null) {
                    (down.contains(node) || unreachable.test(a) ? doubtful : good).add(a);
                }
            }
        }
        for (Address a : tokenless) {
            (unreachable.test(a) ? doubtful : good).add(a);
        }
        List<Address> out = new ArrayList<>(good);
        for (Address a : doubtful) {
            if (!good.contains(a)) {
                out.add(a);
            }
        }
        for (Address a : seeds) {
            if (!out.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    /** Where to ask for the ring: members reported up and reachable, then the seeds, then the rest. */
    List<Address> ringSources(Predicate<Address> unreachable) {
        LinkedHashSet<Address> out = new LinkedHashSet<>();
        List<Address> later = new ArrayList<>();
        for (Map.Entry<NodeId, Address> e : new TreeMap<>(addresses).entrySet()) {
            if (down.contains(e.getKey()) || unreachable.test(e.getValue())) {
                later.add(e.getValue());
            } else {
                out.add(e.getValue());
            }
        }
        out.addAll(tokenless);
        out.addAll(seeds);
        out.addAll(later);
        return new ArrayList<>(out);
    }

    /** True when {@code other} describes the same members, tokens, addresses, up/down states and replication factor. */
    boolean sameClusterAs(RoutingTable other) {
        return ring.equals(other.ring) && replicationFactor == other.replicationFactor
                && addresses.equals(other.addresses) && down.equals(other.down) && tokenless.equals(other.tokenless);
    }

    /** Every address this table may send to. */
    Set<Address> knownAddresses() {
        Set<Address> all = new LinkedHashSet<>(addresses.values());
        all.addAll(tokenless);
        all.addAll(seeds);
        return all;
    }

    /** The member count and replication factor, for log lines. */
    @Override
    public String toString() {
        return ring.size() + " nodes with tokens" + (tokenless.isEmpty() ? "" : " + " + tokenless.size() + " joining")
                + (down.isEmpty() ? "" : " (" + down.size() + " down)") + ", replication factor " + replicationFactor;
    }
}
