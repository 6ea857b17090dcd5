/**
 * Bringing replicas of a token range together: range streaming (a node pulls the records of a
 * range from other nodes and applies them by union), used when nodes join, leave or are removed,
 * and the Merkle-tree repair that will build on it.
 *
 * <p><b>Streaming.</b> A {@link io.kvorum.streaming.StreamSource} on every node answers
 * {@link io.kvorum.streaming.StreamMessages.StreamRequest}s from its store; a
 * {@link io.kvorum.streaming.RangeStreamer} on the receiving node pulls each
 * {@link io.kvorum.streaming.StreamTask}'s range from each of its sources, chunk by chunk after a
 * cursor, throttled, retried and resumable, and flushes its store before the
 * {@link io.kvorum.streaming.StreamSession} completes. Since applying is union, the same records
 * arriving twice (from two sources, or again after a resume) do no harm.
 *
 * <p><b>What callers must arrange.</b> Streaming copies what the sources hold when each chunk is
 * read; writes that land on a source after its chunk was read are not streamed. A joining node must
 * therefore already receive the writes of the ranges it is gaining (as a pending replica, the way
 * Cassandra's pending ranges work) before it starts pulling, and should become a normal owner only
 * after {@link io.kvorum.streaming.StreamSession#done()} completes. The sources must be the
 * range's current replicas (all of them, for every quorum-acknowledged write to be found).
 */
package io.kvorum.streaming;
