package io.kvorum.core;

/**
 * Background work that runs at its own pace (compaction, hint replay, anti-entropy), in the
 * manner of Agrona's agents: the work is cut into bounded units, and an {@link AgentRunner}
 * decides when to call for the next one. An agent therefore never owns a thread, never sleeps and
 * never loops until it is done; it does one unit, says how much it did, and returns. That keeps
 * pacing, error counting and shutdown in one place instead of in each component, and lets a test
 * drive an agent by hand with a manual clock.
 *
 * <p>Threads: the runner calls {@link #doWork} from one thread at a time (not always the same one)
 * and never after {@link #onClose}; other threads may only read what the agent publishes.
 */
public interface Agent {

    /**
     * Does one bounded unit of work and returns how much it did: 0 when there was nothing to do,
     * which lets the runner idle. An exception is counted and logged by the runner, which then idles
     * and calls again later: an agent whose failure must stop more than itself says so before it throws.
     */
    int doWork();

    /** A short name for logs and thread names, such as {@code compaction}. */
    String name();

    /** Called once, after the last {@link #doWork}, when the runner closes. */
    default void onClose() {
    }
}
