package io.kvorum.node;

import io.kvorum.core.NodeId;
import io.kvorum.gossip.Addresses;
import io.kvorum.gossip.AppState;
import io.kvorum.gossip.Member;
import io.kvorum.ring.MemberStatus;
import io.kvorum.gossip.StatusValue;
import io.kvorum.gossip.Tokens;
import io.kvorum.ring.TokenAllocator;
import java.net.InetSocketAddress;
import java.util.Comparator;
import java.util.List;

/**
 * How a node enters the ring at start, decided from what it saved last time and the seed list:
 * <ul>
 *   <li>it owned tokens (NORMAL or LEAVING): it restarts as that member, with those tokens;</li>
 *   <li>it was joining: it resumes the join with the tokens it announced;</li>
 *   <li>it is new and a seed: it founds the cluster with the seeds, taking the share of the ring its
 *       place in the sorted seed list gives it ({@link TokenAllocator#evenTokens}), as every founding
 *       seed computes alike; there is no data to stream yet;</li>
 *   <li>it is new and not a seed: it joins, picking tokens once it knows the ring and streaming the
 *       data of its ranges first.</li>
 * </ul>
 * A seed that lost its data directory must not found again: it would own ranges it holds no data
 * for. Remove it ({@code kvorum-admin removenode}) and add it back as a non-seed.
 */
record Startup(MemberStatus status, List<Long> tokens, boolean joins, String describe) {

    static Startup decide(NodeId self, InetSocketAddress address, List<InetSocketAddress> seeds, List<Member> saved,
                          int numTokens) {
        for (Member m : saved) {
            if (!m.node().equals(self)) {
                continue;
            }
            StatusValue status = m.status();
            List<Long> tokens = Tokens.parse(m.get(AppState.TOKENS) == null ? "" : m.get(AppState.TOKENS));
            if (status != null && (status.status() == MemberStatus.NORMAL || status.status() == MemberStatus.LEAVING)
                    && !tokens.isEmpty()) {
                return new Startup(status.status(), tokens, false, "restarting as a " + status.status()
                        + " member with " + tokens.size() + " tokens");
            }
            if (status != null && status.status() == MemberStatus.JOINING) {
                return new Startup(MemberStatus.JOINING, tokens, true, "resuming its join"
                        + (tokens.isEmpty() ? "" : " with the " + tokens.size() + " tokens it announced"));
            }
        }
        List<String> sortedSeeds = seeds.stream().map(Addresses::text).distinct().sorted(Comparator.naturalOrder())
                .toList();
        int index = sortedSeeds.indexOf(Addresses.text(address));
        if (index >= 0) {
            List<Long> tokens = TokenAllocator.evenTokens(index, sortedSeeds.size(), numTokens);
            return new Startup(MemberStatus.NORMAL, tokens, false, "founding the cluster as seed " + (index + 1)
                    + " of " + sortedSeeds.size() + " with " + tokens.size() + " tokens");
        }
        return new Startup(MemberStatus.JOINING, List.of(), true, "joining the cluster through seeds " + sortedSeeds);
    }
}
