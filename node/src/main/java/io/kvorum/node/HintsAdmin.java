package io.kvorum.node;

import io.kvorum.core.ByteSizes;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.NodeId;
import io.kvorum.core.protocol.AdminMessages.HintRow;
import io.kvorum.core.protocol.AdminMessages.HintsRequest;
import io.kvorum.core.protocol.AdminMessages.HintsResponse;
import io.kvorum.hints.DropReason;
import io.kvorum.hints.HintDelivery;
import io.kvorum.hints.HintStats;
import io.kvorum.hints.HintStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code kvorum-admin hints}: this node's stored hints per target (pending, bytes, oldest, delivered,
 * dropped, paused, rate), and pausing, resuming or truncating one target's. Truncating runs on a
 * storage thread: it deletes files.
 */
final class HintsAdmin {
    private final NodeId self;
    private final HintStore store;
    private final HintDelivery delivery;
    private final Executor storageThreads;

    HintsAdmin(NodeId self, HintStore store, HintDelivery delivery, Executor storageThreads) {
        this.self = self;
        this.store = store;
        this.delivery = delivery;
        this.storageThreads = storageThreads;
    }

    CompletableFuture<HintsResponse> handle(HintsRequest request) {
        NodeId target = new NodeId(request.nodeId());
        return switch (request.action()) {
            case "list" -> CompletableFuture.completedFuture(response(""));
            case "pause" -> {
                delivery.pause(target);
                yield CompletableFuture.completedFuture(response("paused delivery of hints to " + target));
            }
            case "resume" -> {
                delivery.resume(target);
                yield CompletableFuture.completedFuture(response("resumed delivery of hints to " + target));
            }
            case "truncate" -> CompletableFuture.supplyAsync(() -> response("truncated " + store.truncate(target)
                    + " hints for " + target), storageThreads);
            default -> CompletableFuture.failedFuture(new InvalidRequestException("hints action '" + request.action()
                    + "' (expected: list, pause, resume or truncate)"));
        };
    }

    /**
     * One line for {@code kvorum-admin status} when this node holds hints ("" when it holds none): how
     * many, for how many nodes, and the oldest, so that an operator sees a backlog without asking.
     */
    String summary() {
        long hints = 0;
        long bytes = 0;
        long oldestMs = 0;
        int targets = 0;
        for (HintStats s : store.stats()) {
            if (s.hints() > 0) {
                targets++;
                hints += s.hints();
                bytes += s.bytes();
                oldestMs = Math.max(oldestMs, s.oldestAgeMillis());
            }
        }
        return hints == 0 ? "" : hints + " hints (" + ByteSizes.human(bytes) + ") for " + targets
                + (targets == 1 ? " node" : " nodes") + ", oldest " + oldestMs / 1000 + " s";
    }

    private HintsResponse response(String message) {
        List<HintRow> rows = new ArrayList<>();
        for (HintStats s : store.stats()) {
            long dropped = 0;
            for (DropReason reason : DropReason.values()) {
                if (reason != DropReason.TRUNCATED) {
                    dropped += s.dropped(reason);
                }
            }
            rows.add(new HintRow(s.target().value(), s.hints(), s.bytes(), s.oldestAgeMillis(), s.delivered(), dropped,
                    delivery.isPaused(s.target()), delivery.deliveryRate(s.target())));
        }
        return new HintsResponse(self.value(), rows, message);
    }
}
