package io.kvorum.transport;

import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.contract.BusContractMessages;
import io.kvorum.core.contract.BusHarness;
import io.kvorum.core.contract.MessageBusContract;
import io.kvorum.core.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** The bus contract on real buses over loopback, waiting on their threads with a deadline. */
class NettyMessageBusContractTest extends MessageBusContract {

    @Override
    protected BusHarness harness() {
        return new NettyHarness(b -> b);
    }

    /** Makes each bus with the test defaults, then {@code configure}s its builder further (TLS, say). */
    static final class NettyHarness implements BusHarness {
        private static final Duration DEADLINE = Duration.ofSeconds(10);
        private final List<NettyMessageBus> buses = new ArrayList<>();
        private final UnaryOperator<NettyMessageBus.Builder> configure;

        NettyHarness(UnaryOperator<NettyMessageBus.Builder> configure) {
            this.configure = configure;
        }

        @Override
        public MessageBus start(long id, Consumer<MessageBus> handlers) {
            NettyMessageBus bus = configure.apply(NettyMessageBus.builder(new NodeId(id), BusContractMessages.types())
                    .listen("127.0.0.1", 0)
                    .eventLoopThreads(1)
                    .connectTimeoutMs(2_000)
                    .reconnectBackoffMs(20, 200))
                    .build();
            buses.add(bus); // tracked first, so a failing handler registration still closes it
            handlers.accept(bus);
            return bus.start();
        }

        @Override
        public void introduce(MessageBus from, MessageBus to) {
            from.setAddress(to.self(), to.localAddress());
        }

        @Override
        public void stop(MessageBus bus) {
            ((NettyMessageBus) bus).close();
            for (NettyMessageBus other : buses) {
                if (other != bus) {
                    Await.until(other.self() + " saw " + bus.self() + " go down", DEADLINE,
                            () -> other.linkState(bus.self()) != PeerLink.State.UP);
                }
            }
        }

        @Override
        public void runUntil(String what, BooleanSupplier condition) {
            Await.until(what, DEADLINE, condition);
        }

        @Override
        public void close() {
            for (int i = buses.size() - 1; i >= 0; i--) {
                buses.get(i).close();
            }
            buses.clear();
        }
    }
}
