package io.kvorum.streaming;

import io.kvorum.core.Checks;
import io.kvorum.core.NodeId;
import io.kvorum.core.TokenRange;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * One range to fetch, and every node to fetch it from.
 *
 * <p>The receiver pulls the whole range from <em>each</em> source and applies each by union. With
 * the range's current replicas as sources, that is what makes the result hold every write a quorum
 * acknowledged: a write acknowledged by W replicas may be missing from any N - W of them, so
 * copying from one replica, even a "primary", can lose it. Union is idempotent, so what several
 * sources share costs bandwidth, never correctness.
 *
 * @param sources distinct nodes, at least one
 */
public record StreamTask(TokenRange range, List<NodeId> sources) {
    public StreamTask {
        Objects.requireNonNull(range, "range");
        sources = List.copyOf(sources);
        Checks.require(!sources.isEmpty(), "sources of " + range, sources, "at least one node");
        Checks.require(new HashSet<>(sources).size() == sources.size(), "sources of " + range, sources,
                "distinct nodes");
    }
}
