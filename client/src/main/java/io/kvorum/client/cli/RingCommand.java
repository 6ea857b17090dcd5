package io.kvorum.client.cli;

import io.kvorum.client.KvorumClient;
import io.kvorum.core.NodeId;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.core.protocol.RingResponse.Member;
import io.kvorum.ring.Ring;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kvorum ring}: the members as a node sees them, with each one's share of the token space. */
@Command(name = "ring", mixinStandardHelpOptions = true,
        description = {"Shows the ring.",
            "As a node sees it: the replication factor, then each member's id, client address, rack, up or"
                    + " down, token count and share of the token space as primary owner."})
final class RingCommand extends ClusterCommand {
    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            defaultValue = "2s", description = "How long the node may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--expect", paramLabel = "N", description = "Exit with 1 unless the ring shows N members, all up"
            + " (scripts wait on it for a cluster to be ready).")
    Integer expect;

    @Override
    Duration timeout() {
        return timeout;
    }

    @Override
    int run(KvorumClient client, PrintStream out) {
        RingResponse ring = client.fetchRing();
        Map<NodeId, Double> owns = ownership(ring);
        List<Member> members = new ArrayList<>(ring.members());
        members.sort(Comparator.comparing(m -> new NodeId(m.nodeId())));
        long up = members.stream().filter(Member::up).count();
        out.println("replication factor: " + ring.replicationFactor() + ", " + members.size() + " members, " + up
                + " up");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "ADDRESS", "RACK", "STATUS", "TOKENS", "OWNS"});
        for (Member m : members) {
            NodeId node = new NodeId(m.nodeId());
            int tokens = m.tokens() == null ? 0 : m.tokens().size();
            rows.add(new String[] {
                node.toString(),
                m.host() + ":" + m.clientPort(),
                m.rack() == null || m.rack().isBlank() ? "-" : m.rack(),
                m.up() ? "up" : "down",
                Integer.toString(tokens),
                String.format(Locale.ROOT, "%.1f%%", 100 * owns.getOrDefault(node, 0.0))});
        }
        Tables.print(out, rows, 4);
        if (expect != null && (members.size() != expect || up != expect)) {
            out.println("expected " + expect + " members, all up");
            return 1;
        }
        return 0;
    }

    /** Each member's primary share; racks only when every member has one, as the servers build the ring. */
    private static Map<NodeId, Double> ownership(RingResponse response) {
        Map<NodeId, Collection<Long>> tokens = new TreeMap<>();
        Map<NodeId, String> racks = new TreeMap<>();
        boolean everyRack = true;
        for (Member m : response.members()) {
            if (m.tokens() == null || m.tokens().isEmpty()) {
                continue;
            }
            NodeId node = new NodeId(m.nodeId());
            tokens.put(node, m.tokens());
            if (m.rack() == null || m.rack().isBlank()) {
                everyRack = false;
            } else {
                racks.put(node, m.rack());
            }
        }
        return Ring.of(tokens, everyRack ? racks : Map.of()).ownership();
    }
}
