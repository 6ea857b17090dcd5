package io.kvorum.coordinator;

import io.kvorum.core.Checks;
import io.kvorum.core.Setting;
import io.kvorum.storage.RecordLimits;
import java.util.Objects;

/**
 * What a coordinator is configured with, checked where it enters so a bad value fails at start
 * with the value shown, not at the first request.
 *
 * @param replicationFactor the cluster's N: the most replicas a request may ask for
 * @param limits            key and value sizes a write may have; checked before anything is sent
 * @param maxTimeoutMs      the longest timeout a request may ask for: ring changes wait this long for
 *                          requests begun under the old ring (see {@code ring.change_grace_ms}), so no
 *                          request may outlive it
 * @param maxSiblings       the most concurrent values (siblings) a key may hold after a write; a write
 *                          that would leave more, because its context does not cover those it joins,
 *                          is refused and nothing is stored (Riak refuses at 100 by default)
 * @param sloppyWrites      whether a write that does not say is sloppy (see {@link io.kvorum.core.WriteOptions})
 */
public record CoordinatorOptions(int replicationFactor, RecordLimits limits, long maxTimeoutMs, int maxSiblings,
                                 boolean sloppyWrites) {
    public static final Setting<Integer> MAX_SIBLINGS = Setting.integer("request.max_siblings_per_key", 100, 1, 10_000,
            "The most concurrent values (siblings) a key may hold. A write whose context does not cover the"
                    + " key's siblings adds one more; past this many it is refused, naming the key, and nothing is"
                    + " stored: read the key, resolve its siblings, and write with the read's context. Guards against"
                    + " a loop of blind writes to one key.");

    public static final Setting<Boolean> SLOPPY_WRITES = Setting.bool("request.sloppy_writes", false,
            "Whether a write that does not choose is sloppy: while a replica of its key is down, the next healthy"
                    + " node clockwise takes the write as a hint for it and its acknowledgement counts toward W. Sloppy"
                    + " writes succeed through failures, but a QUORUM read may not see one until its hints are"
                    + " delivered. A client chooses per write with WriteOptions.sloppy or bin/kvorum put --sloppy.");

    public CoordinatorOptions(int replicationFactor, RecordLimits limits, long maxTimeoutMs, int maxSiblings) {
        this(replicationFactor, limits, maxTimeoutMs, maxSiblings, SLOPPY_WRITES.defaultValue());
    }

    public CoordinatorOptions {
        Checks.requirePositive(replicationFactor, "replication factor");
        Objects.requireNonNull(limits, "limits");
        Checks.requirePositive(maxTimeoutMs, "max timeout ms");
        MAX_SIBLINGS.validate(maxSiblings);
    }

    /** The options with the default sibling limit. */
    public static CoordinatorOptions of(int replicationFactor, RecordLimits limits, long maxTimeoutMs) {
        return new CoordinatorOptions(replicationFactor, limits, maxTimeoutMs, MAX_SIBLINGS.defaultValue());
    }

    public CoordinatorOptions withMaxSiblings(int value) {
        return new CoordinatorOptions(replicationFactor, limits, maxTimeoutMs, value, sloppyWrites);
    }

    public CoordinatorOptions withSloppyWrites(boolean value) {
        return new CoordinatorOptions(replicationFactor, limits, maxTimeoutMs, maxSiblings, value);
    }
}
