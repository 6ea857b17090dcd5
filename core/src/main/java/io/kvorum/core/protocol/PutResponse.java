package io.kvorum.core.protocol;

import io.kvorum.core.Message;

/**
 * A write succeeded at the requested W. {@code context} covers the new record and what it did not
 * supersede, so a client can write again without reading first and still not make a sibling of
 * its own write.
 */
public record PutResponse(byte[] context) implements Message {
}
