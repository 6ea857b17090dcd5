package io.kvorum.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FixedMembershipTest {
    private static final NodeId A = new NodeId(1);
    private static final NodeId B = new NodeId(2);
    private static final NodeId C = new NodeId(3);

    private final List<String> heard = new ArrayList<>();

    private FixedMembership membership() {
        Ring ring = Ring.of(Map.of(A, List.of(1L), B, List.of(2L)), Map.of());
        FixedMembership m = new FixedMembership(ring, Map.of(A, InetSocketAddress.createUnresolved("a", 7000)));
        m.addListener(new Membership.Listener() {
            @Override
            public void ringChanged(Ring r) {
                heard.add("ring " + r.size());
            }

            @Override
            public void upDownChanged(NodeId node, boolean up) {
                heard.add(node + (up ? " up" : " down"));
            }
        });
        return m;
    }

    @Test
    void nodesOfTheRingStartUpAndStrangersAreDown() {
        FixedMembership m = membership();
        assertThat(m.isUp(A)).isTrue();
        assertThat(m.isUp(B)).isTrue();
        assertThat(m.isUp(C)).isFalse();
        assertThat(m.ring().nodes()).containsExactly(A, B);
        assertThat(m.address(A)).contains(InetSocketAddress.createUnresolved("a", 7000));
        assertThat(m.address(B)).isEmpty();
    }

    @Test
    void listenersHearEachChangeOnce() {
        FixedMembership m = membership();
        m.setUp(A, false);
        m.setUp(A, false);
        m.setUp(A, true);
        m.setUp(C, false);
        assertThat(heard).containsExactly(A + " down", A + " up");
        assertThat(m.isUp(A)).isTrue();
    }

    @Test
    void aNewRingIsAnnouncedAndItsNewNodesStartUp() {
        FixedMembership m = membership();
        m.setUp(B, false);
        Ring bigger = m.ring().withNode(C, List.of(3L), Ring.NO_RACK);
        m.setRing(bigger);
        assertThat(m.ring()).isSameAs(bigger);
        assertThat(heard).containsExactly(B + " down", "ring 3");
        assertThat(m.isUp(C)).isTrue();
        assertThat(m.isUp(B)).as("a node that was down stays down").isFalse();
        m.setAddress(C, InetSocketAddress.createUnresolved("c", 7000));
        assertThat(m.address(C)).isPresent();
    }
}
