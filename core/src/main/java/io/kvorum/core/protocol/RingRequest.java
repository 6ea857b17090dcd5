package io.kvorum.core.protocol;

import io.kvorum.core.Message;

/** A client asks a node for the ring, to send each request straight to a replica of its key. */
public record RingRequest() implements Message {
}
