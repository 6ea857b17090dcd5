package io.kvorum.ringchanges;

import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.streaming.StreamTask;
import java.util.List;
import java.util.Objects;

/** Messages of ring changes, and their wire ids (310..319). */
public final class RingChangeMessages {
    private RingChangeMessages() {
    }

    /**
     * Asks a node to pull ranges it gains in a ring change (a decommission or a removal run by
     * another node); answered with {@link FetchDone} once the data is applied and flushed.
     */
    public record FetchRanges(String description, List<StreamTask> tasks) implements Message {
        public FetchRanges {
            Objects.requireNonNull(description, "description");
            tasks = List.copyOf(tasks);
        }
    }

    public record FetchDone(long records, long bytes) implements Message {
    }

    public static MessageTypes.Builder register(MessageTypes.Builder types) {
        return types
                .add(310, FetchRanges.class)
                .add(311, FetchDone.class);
    }
}
