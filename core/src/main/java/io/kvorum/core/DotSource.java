package io.kvorum.core;

/**
 * Where a coordinator gets the dot of each write it makes. {@link NodeIdentity} is the durable
 * one; simulations use an in-memory one. Thread-safe.
 */
public interface DotSource {
    /** The actor this node writes as now. */
    Actor actor();

    /** A dot never handed out before by this node. */
    Dot nextDot();
}
