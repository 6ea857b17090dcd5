package io.kvorum.ring.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.NodeId;
import io.kvorum.ring.Membership;
import io.kvorum.ring.Ring;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Membership} promises the coordinator, run against the fixed membership of
 * tests and the gossip membership of production, so that a coordinator tested on one behaves the
 * same on the other.
 *
 * <p>Why these cases: the coordinator keeps one ring for a request and compares rings by identity
 * to skip work when nothing changed, so a ring rebuilt equal-but-new on every heartbeat, or a
 * pending ring that is a copy of the ring, silently costs a recomputation per request; and a
 * listener told of a ring before the getters return it would act on the old one.
 */
public abstract class MembershipContract {
    private MembershipHarness harness;

    protected abstract MembershipHarness harness();

    @BeforeEach
    final void openHarness() {
        harness = harness();
    }

    @AfterEach
    final void closeHarness() {
        harness.close();
    }

    @Test
    void theRingIsThereAndStaysTheSameInstanceWhileNothingChanges() {
        Membership m = harness.membership();
        Ring ring = m.ring();
        assertThat(ring).isNotNull();
        assertThat(ring.nodes()).containsExactlyInAnyOrderElementsOf(harness.members());
        harness.runFor(5_000);
        assertThat(m.ring()).isSameAs(ring);
    }

    @Test
    void thePendingRingIsTheRingItselfWhenNothingIsChanging() {
        Membership m = harness.membership();
        assertThat(m.pendingRing()).isSameAs(m.ring());
        harness.runFor(5_000);
        assertThat(m.pendingRing()).isSameAs(m.ring());
    }

    @Test
    void selfAndEveryMemberOfTheSettledClusterCountAsUp() {
        Membership m = harness.membership();
        assertThat(m.isUp(harness.self())).as("self").isTrue();
        for (NodeId node : harness.members()) {
            assertThat(m.isUp(node)).as("member %s", node).isTrue();
        }
        assertThat(m.isUp(new NodeId(0x7e57_0000_0000_0001L))).as("a node never seen").isFalse();
    }

    @Test
    void theAddressOfEveryMemberIsKnown() {
        Membership m = harness.membership();
        for (NodeId node : harness.members()) {
            assertThat(m.address(node)).as("address of %s", node).isPresent();
        }
        assertThat(m.address(new NodeId(0x7e57_0000_0000_0001L))).isEmpty();
    }

    @Test
    void listenersHearARingChangeAfterTheGettersShowIt() {
        Membership m = harness.membership();
        Ring before = m.ring();
        record Heard(Ring told, Ring ringAtCall, Ring pendingAtCall) {
        }
        List<Heard> heard = new ArrayList<>();
        m.addListener(new Membership.Listener() {
            @Override
            public void ringChanged(Ring ring) {
                heard.add(new Heard(ring, m.ring(), m.pendingRing()));
            }
        });
        NodeId joiner = harness.joinNewMember();
        harness.runUntil("the ring holds " + joiner, () -> m.ring().nodes().contains(joiner));
        assertThat(heard).as("ring changes heard").isNotEmpty();
        for (Heard h : heard) {
            assertThat(h.ringAtCall()).as("the getter at the call").isSameAs(h.told());
        }
        assertThat(heard.get(heard.size() - 1).told()).isSameAs(m.ring()).isNotEqualTo(before);
        assertThat(heard.stream().map(Heard::told)).doesNotContain(before);
        assertThat(m.address(joiner)).isPresent();
        // Up is the failure detector's belief, which may follow the ring by a heartbeat or two.
        harness.runUntil(joiner + " counts as up", () -> m.isUp(joiner));
    }
}
