package io.kvorum.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.KvorumException;
import io.kvorum.core.NodeId;
import org.junit.jupiter.api.Test;

class QuorumRoundTest {
    private static final NodeId A = new NodeId(1);
    private static final NodeId B = new NodeId(2);
    private static final NodeId C = new NodeId(3);

    private static QuorumRound<String> round(int required, int asked) {
        return new QuorumRound<>(required, asked, (req, answered, timedOut, failures) ->
                new KvorumException((timedOut ? "timeout" : "failed") + " " + answered + "/" + req));
    }

    @Test
    void succeedsAtTheRequiredCountAndSettlesWhenAllHaveAnswered() {
        QuorumRound<String> r = round(2, 3);
        r.reply(A, "a");
        assertThat(r.quorum()).isNotDone();
        r.reply(B, "b");
        assertThat(r.quorum().join()).containsOnlyKeys(A, B);
        assertThat(r.settled()).isNotDone();
        r.reply(C, "c");
        assertThat(r.settled().join()).containsOnlyKeys(A, B, C);
    }

    @Test
    void failsAsSoonAsTheQuorumIsOutOfReach() {
        QuorumRound<String> r = round(2, 3);
        r.reply(A, "a");
        r.fail(B, new RuntimeException("down"));
        assertThat(r.quorum()).isNotDone();
        r.fail(C, new RuntimeException("down"));
        assertThat(r.quorum()).isCompletedExceptionally();
        assertThat(r.quorum().handle((v, e) -> e).join()).isInstanceOf(KvorumException.class)
                .hasMessageContaining("failed 1/2");
    }

    @Test
    void theDeadlineFailsAnUnfinishedQuorumAndSettlesWithWhatArrived() {
        QuorumRound<String> r = round(3, 3);
        r.reply(A, "a");
        r.expire();
        assertThat(r.quorum().handle((v, e) -> e).join()).hasMessageContaining("timeout 1/3");
        assertThat(r.settled().join()).containsOnlyKeys(A);
        r.reply(B, "late");
        assertThat(r.settled().join()).containsOnlyKeys(A);
    }

    @Test
    void aPartialReplyIsKeptButNeverCountsTowardTheQuorum() {
        QuorumRound<String> r = round(2, 3);
        r.partial(A, "part of a", new RuntimeException("damaged"));
        r.reply(B, "b");
        assertThat(r.quorum()).as("one full reply and one partial are not two").isNotDone();
        r.reply(C, "c");
        assertThat(r.quorum().join()).as("merged with the partial one").containsOnlyKeys(A, B, C);
        assertThat(r.settled().join()).containsOnlyKeys(A, B, C);

        QuorumRound<String> all = round(3, 3);
        all.reply(A, "a");
        all.partial(B, "part of b", new RuntimeException("damaged"));
        assertThat(all.quorum().handle((v, e) -> e).join()).as("out of reach at once")
                .hasMessageContaining("failed 1/3");
        assertThat(all.settled()).isNotDone();
        all.reply(C, "c");
        assertThat(all.settled().join()).containsOnlyKeys(A, B, C);
    }
}
