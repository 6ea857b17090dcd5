package io.kvorum.transport;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Failure;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.core.VersionVector;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Messages for the transport tests: small ones, and one that carries every core type. */
final class TestMessages {
    private TestMessages() {
    }

    record Ping(String text) implements Message {
    }

    record Pong(String text) implements Message {
    }

    /** A one-way message with a sequence number, to check order and count. */
    record Note(int seq) implements Message {
    }

    /** A request whose handler fails with what {@code kind} names. */
    record Fail(String kind) implements Message {
    }

    /** A request that carries bytes of any size. */
    record Blob(byte[] bytes) implements Message {
    }

    /** A request that is never answered. */
    record Silent() implements Message {
    }

    /** Anything at all in a list: for crafting nested and hostile payloads. */
    record Bag(List<?> items) implements Message {
    }

    enum Colour { RED, GREEN }

    record Nested(String name, List<Long> tokens, Colour colour) {
    }

    /** Every core value type and common collection inside one record. */
    record Carrier(Key key, NodeId node, Actor actor, Dot dot, VersionVector context, Record record, Record tombstone,
            TokenRange range, List<Record> records, Map<String, Long> counts, Set<NodeId> nodes, byte[] bytes,
            long[] longs, Nested nested, List<Nested> nesteds, String nullable, int number, boolean flag)
            implements Message {

        @Override
        public boolean equals(Object o) {
            return o instanceof Carrier c && key.equals(c.key) && node.equals(c.node) && actor.equals(c.actor)
                    && dot.equals(c.dot) && context.equals(c.context) && record.equals(c.record)
                    && tombstone.equals(c.tombstone) && range.equals(c.range) && records.equals(c.records)
                    && counts.equals(c.counts) && nodes.equals(c.nodes) && Arrays.equals(bytes, c.bytes)
                    && Arrays.equals(longs, c.longs) && nested.equals(c.nested) && nesteds.equals(c.nesteds)
                    && Objects.equals(nullable, c.nullable) && number == c.number && flag == c.flag;
        }

        @Override
        public int hashCode() {
            return key.hashCode();
        }
    }

    static MessageTypes types() {
        return MessageTypes.builder()
                .add(1, Failure.class)
                .add(10, Ping.class)
                .add(11, Pong.class)
                .add(12, Note.class)
                .add(13, Fail.class)
                .add(14, Blob.class)
                .add(15, Silent.class)
                .add(16, Carrier.class)
                .add(17, Bag.class)
                .build();
    }

    static Carrier carrier() {
        Actor a = new Actor(new NodeId(0x1234_5678_9abc_def0L), 3);
        Actor b = new Actor(new NodeId(-7), 0);
        Dot dot = new Dot(a, 42);
        VersionVector context = VersionVector.of(new Dot(a, 41), new Dot(b, 7));
        Record value = Record.value(Key.of("k1"), dot, context, 1_700_000_000_000L, new byte[] {1, 2, 3});
        Record tomb = Record.tombstone(Key.of(new byte[] {0, -1, 5}), new Dot(b, 8), VersionVector.of(dot), 5);
        return new Carrier(Key.of("key"), new NodeId(99), a, dot, context, value, tomb, TokenRange.of(-5, 17),
                List.of(value, tomb), Map.of("x", 1L, "y", -2L), Set.of(new NodeId(1), new NodeId(2)),
                new byte[] {9, 8, 7}, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE},
                new Nested("n", List.of(1L, 2L, 3L), Colour.GREEN),
                List.of(new Nested("a", List.of(), Colour.RED), new Nested("b", List.of(4L), Colour.GREEN)),
                null, -12345, true);
    }
}
