package io.kvorum.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.protocol.RingResponse;
import io.kvorum.core.protocol.RingResponse.Member;
import io.kvorum.ring.TokenAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The routing decision as a pure function of the ring, the failures seen and the seeds. */
class RoutingTableTest {
    private static final Address SEED = Address.parse("seed:9100");
    private final Key key = Key.of("some key");

    private static Member member(int i, boolean up) {
        return new Member(i + 1, "10.0.0." + (i + 1), 9100, TokenAllocator.evenTokens(i, 4, 4), "", up);
    }

    private static RingResponse ring(boolean... up) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < up.length; i++) {
            members.add(member(i, up[i]));
        }
        return new RingResponse(3, members);
    }

    private static Address addressOf(NodeId node) {
        return new Address("10.0.0." + node.value(), 9100);
    }

    @Test
    void followsTheKeysClockwiseWalkThenTheSeeds() {
        RoutingTable table = RoutingTable.of(ring(true, true, true, true), List.of(SEED));

        List<Address> expected = new ArrayList<>();
        table.ring().preferenceList(key, 4).forEach(n -> expected.add(addressOf(n)));
        expected.add(SEED);

        assertThat(table.candidates(key, a -> false)).containsExactlyElementsOf(expected);
        assertThat(table.replicationFactor()).isEqualTo(3);
    }

    @Test
    void movesNodesReportedDownOrUnreachableToTheEnd() {
        RoutingTable all = RoutingTable.of(ring(true, true, true, true), List.of(SEED));
        List<NodeId> walk = all.ring().preferenceList(key, 4);
        Address first = addressOf(walk.get(0));
        Address second = addressOf(walk.get(1));
        boolean[] up = {true, true, true, true};
        up[(int) walk.get(0).value() - 1] = false;
        RoutingTable firstDown = RoutingTable.of(ring(up), List.of(SEED));

        assertThat(firstDown.candidates(key, a -> false))
                .containsExactly(second, addressOf(walk.get(2)), addressOf(walk.get(3)), first, SEED);
        assertThat(all.candidates(key, second::equals))
                .containsExactly(first, addressOf(walk.get(2)), addressOf(walk.get(3)), second, SEED);
    }

    @Test
    void membersWithoutTokensTakeRequestsAfterTheRing() {
        List<Member> members = new ArrayList<>(ring(true, true, true, true).members());
        members.add(new Member(99, "10.0.0.99", 9100, List.of(), "", true));
        RoutingTable table = RoutingTable.of(new RingResponse(3, members), List.of(SEED));

        List<Address> candidates = table.candidates(key, a -> false);

        assertThat(candidates).hasSize(6);
        assertThat(candidates.subList(4, 6)).containsExactly(new Address("10.0.0.99", 9100), SEED);
        assertThat(table.ring().size()).isEqualTo(4);
    }

    @Test
    void withoutARingEveryRequestGoesToTheSeeds() {
        Address other = Address.parse("other:9200");
        RoutingTable table = RoutingTable.seedsOnly(List.of(SEED, other));

        assertThat(table.candidates(key, a -> false)).containsExactly(SEED, other);
        assertThat(table.replicationFactor()).isZero();
        assertThat(table.knownAddresses()).isEqualTo(Set.of(SEED, other));
    }

    @Test
    void aMalformedRingIsRefused() {
        Member a = new Member(1, "h", 1, List.of(5L), "", true);
        Member b = new Member(2, "h", 2, List.of(5L), "", true);

        assertThatThrownBy(() -> RoutingTable.of(new RingResponse(3, List.of(a, b)), List.of(SEED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token 5 is claimed by both");
    }

    @Test
    void addressesParseWithDefaultsAndRejectGarbageWithTheValue() {
        assertThat(Address.parse("db1:9200")).isEqualTo(new Address("db1", 9200));
        assertThat(Address.parse("db1")).isEqualTo(new Address("db1", Address.DEFAULT_PORT));
        assertThat(Address.parse("[::1]:9300")).isEqualTo(new Address("::1", 9300));
        assertThat(Address.parse("[::1]:9300").toString()).isEqualTo("[::1]:9300");
        assertThat(Address.parse("127.0.0.1:9100").socketAddress().isUnresolved()).isFalse();
        assertThat(Address.parse("some.host:9100").socketAddress().isUnresolved()).isTrue();
        assertThatThrownBy(() -> Address.parse("db1:x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'x'");
        assertThatThrownBy(() -> Address.parse("::1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[::1]:9100");
        assertThatThrownBy(() -> Address.parse(":9100")).isInstanceOf(IllegalArgumentException.class);
    }
}
