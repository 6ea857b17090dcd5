package io.kvorum.coordinator;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.KvorumException;
import io.kvorum.core.NodeId;
import io.kvorum.core.RequestTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The replies of one request's replicas, counted against the R or W it needs.
 *
 * <p>{@link #quorum()} completes with the replies as soon as {@code required} replicas have answered,
 * or fails as soon as that can no longer happen (too many replicas failed) or the deadline passes.
 * {@link #settled()} completes once every replica has answered or failed, or at the deadline, with
 * whatever replies there are: read repair waits for it, so late replies still get repaired.
 *
 * <p>A {@link #partial} reply (a replica that could read only part of its data) is kept in both
 * maps, so that its content is merged and it is repaired, but counts as a failure: a stale answer
 * must never make up a quorum.
 *
 * <p>Replies arrive on network and storage threads; every method is synchronized.
 */
final class QuorumRound<T> {

    /** Builds the error for a request that could not gather {@code required} replies. */
    interface Shortfall {
        KvorumException error(int required, int answered, boolean timedOut, Map<NodeId, Throwable> failures);

        /**
         * The coordinator's error, counted in {@code timeouts}: a timeout naming how many answered
         * when no replica failed outright, otherwise the failures, each with its replica's message.
         * A write's error says it may still have been applied: replicas that did answer kept it.
         *
         * @param what {@code read}, {@code write} or {@code delete}
         */
        static Shortfall of(String what, long timeoutMs, boolean write, LongAdder timeouts) {
            return (required, answered, timedOut, failures) -> {
                timeouts.increment();
                if (failures.isEmpty()) {
                    return new RequestTimeoutException(what, required, answered, timeoutMs, write);
                }
                StringBuilder reasons = new StringBuilder();
                failures.forEach((node, e) -> reasons.append(reasons.length() == 0 ? "" : "; ").append(node)
                        .append(": ").append(e.getMessage()));
                long corrupt = failures.values().stream().filter(e -> e instanceof CorruptDataException).count();
                if (corrupt > 0) {
                    // Not a timeout: retrying will not help until the damaged replicas are restored.
                    return new CorruptDataException(what + " failed with " + answered + " of " + required
                            + " required replicas answering: " + corrupt + " hold damaged data (" + reasons + ");"
                            + " their logs name the damaged files");
                }
                return new RequestTimeoutException(what + " failed with " + answered + " of " + required
                        + " required replicas answering (" + reasons + ")"
                        + (write ? "; the write may still have been applied" : ""), required, answered);
            };
        }
    }

    private final int required;
    private final int asked;
    private final Shortfall shortfall;
    /** Every reply, partial ones too. */
    private final Map<NodeId, T> replies = new LinkedHashMap<>();
    /** Replies that count toward {@code required}. */
    private int counted;
    private final Map<NodeId, Throwable> failures = new LinkedHashMap<>();
    private final CompletableFuture<Map<NodeId, T>> quorum = new CompletableFuture<>();
    private final CompletableFuture<Map<NodeId, T>> settled = new CompletableFuture<>();

    QuorumRound(int required, int asked, Shortfall shortfall) {
        this.required = required;
        this.asked = asked;
        this.shortfall = shortfall;
    }

    synchronized void reply(NodeId from, T reply) {
        if (settled.isDone()) {
            return;
        }
        replies.put(from, reply);
        counted++;
        if (counted == required) {
            quorum.complete(Map.copyOf(replies));
        }
        settleIfDone();
    }

    synchronized void fail(NodeId from, Throwable error) {
        if (settled.isDone()) {
            return;
        }
        failures.put(from, error);
        failIfShort();
        settleIfDone();
    }

    /**
     * A reply that is not a replica's full answer: kept with the replies (merged and repaired), but
     * counted as a failure for {@code why}, in deciding whether the quorum can still form and in its error.
     */
    synchronized void partial(NodeId from, T reply, Throwable why) {
        if (settled.isDone()) {
            return;
        }
        replies.put(from, reply);
        failures.put(from, why);
        failIfShort();
        settleIfDone();
    }

    /** The deadline: whatever has not answered by now never counts. */
    synchronized void expire() {
        if (!quorum.isDone()) {
            quorum.completeExceptionally(shortfall.error(required, counted, true, Map.copyOf(failures)));
        }
        settled.complete(Map.copyOf(replies));
    }

    /** Fails the quorum once the replicas that may still answer cannot make it up. */
    private void failIfShort() {
        if (!quorum.isDone() && asked - failures.size() < required) {
            quorum.completeExceptionally(shortfall.error(required, counted, false, Map.copyOf(failures)));
        }
    }

    private void settleIfDone() {
        if (counted + failures.size() == asked) {
            settled.complete(Map.copyOf(replies));
        }
    }

    CompletableFuture<Map<NodeId, T>> quorum() {
        return quorum;
    }

    CompletableFuture<Map<NodeId, T>> settled() {
        return settled;
    }
}
