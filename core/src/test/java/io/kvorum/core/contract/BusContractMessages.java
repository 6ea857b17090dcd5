package io.kvorum.core.contract;

import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;

/**
 * The messages {@link MessageBusContract} sends: small records that every bus can carry, under ids
 * the contract fixes, so that a harness builds its bus (and, for a wire codec, its registrations)
 * from {@link #types()} alone.
 */
public final class BusContractMessages {
    private BusContractMessages() {
    }

    /** A request answered with a {@link Pong}. */
    public record Ping(String text) implements Message {
    }

    public record Pong(String text) implements Message {
    }

    /** A one-way message. */
    public record Note(int seq) implements Message {
    }

    /** A request whose handler fails as {@code kind} says. */
    public record Fail(String kind) implements Message {
    }

    /** A request whose handler never answers. */
    public record Silent() implements Message {
    }

    /** A request whose handler answers with null, which is not an answer. */
    public record Mute() implements Message {
    }

    /** A class no harness registers: every bus must refuse it. */
    public record Stranger(String text) implements Message {
    }

    public static MessageTypes types() {
        return MessageTypes.builder()
                .add(40, Ping.class)
                .add(41, Pong.class)
                .add(42, Note.class)
                .add(43, Fail.class)
                .add(44, Silent.class)
                .add(45, Mute.class)
                .build();
    }
}
