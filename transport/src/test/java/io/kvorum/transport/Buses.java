package io.kvorum.transport;

import io.kvorum.core.NodeId;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Real buses on loopback for a test, each with one event loop thread and quick reconnects; closes
 * every one of them (in reverse order) when the test ends.
 */
final class Buses implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    static NettyMessageBus.Builder builder(long id) {
        return NettyMessageBus.builder(new NodeId(id), TestMessages.types())
                .listen("127.0.0.1", 0)
                .eventLoopThreads(1)
                .connectTimeoutMs(2_000)
                .reconnectBackoffMs(20, 200);
    }

    /** Builds, lets {@code handlers} register, starts, and tracks for closing. */
    NettyMessageBus start(NettyMessageBus.Builder builder, Consumer<NettyMessageBus> handlers) {
        NettyMessageBus bus = builder.build();
        handlers.accept(bus);
        open.add(bus);
        return bus.start();
    }

    /** A bus that answers Ping with "pong:" + text + "@" + its id. */
    NettyMessageBus startPonger(NettyMessageBus.Builder builder) {
        return start(builder, Buses::answerPings);
    }

    NettyMessageBus startPonger(long id) {
        return startPonger(builder(id));
    }

    static void answerPings(NettyMessageBus bus) {
        bus.handle(Ping.class, (from, ping) -> CompletableFuture.completedFuture(
                new Pong("pong:" + ping.text() + "@" + bus.self())));
    }

    /** Tracks anything else that must be closed at the end. */
    <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing " + open.get(i) + " failed", e);
                }
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
