package io.kvorum.core;

/**
 * A message between nodes, or between a client and a node: an immutable record whose type is
 * registered in {@link MessageTypes}, so the wire codec never instantiates a class it was not told
 * about.
 */
public interface Message {
}
