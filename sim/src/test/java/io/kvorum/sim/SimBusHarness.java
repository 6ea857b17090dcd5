package io.kvorum.sim;

import io.kvorum.core.MessageBus;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.contract.BusContractMessages;
import io.kvorum.core.contract.BusHarness;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The {@link io.kvorum.core.contract.MessageBusContract} harness for simulated buses: one seeded
 * loop and network, which knows the contract's message types; {@code configure} adds anything
 * else (a codec, faults). Waiting runs the loop, bounded in simulated time.
 */
public final class SimBusHarness implements BusHarness {
    private static final long LIMIT_MS = 30_000;

    private final SimLoop loop = new SimLoop();
    private final SimNetwork network;

    public SimBusHarness(long seed, Consumer<SimNetwork> configure) {
        this.network = new SimNetwork(loop, RandomSource.seeded(seed)).types(BusContractMessages.types());
        configure.accept(network);
    }

    public SimNetwork network() {
        return network;
    }

    @Override
    public MessageBus start(long id, Consumer<MessageBus> handlers) {
        SimBus bus = network.attach(new NodeId(id), InetSocketAddress.createUnresolved("node" + id, 7100));
        handlers.accept(bus);
        return bus;
    }

    @Override
    public void introduce(MessageBus from, MessageBus to) {
        from.setAddress(to.self(), to.localAddress());
    }

    @Override
    public void stop(MessageBus bus) {
        network.kill(bus.self());
    }

    @Override
    public void runUntil(String what, BooleanSupplier condition) {
        try {
            loop.runUntil(condition, LIMIT_MS);
        } catch (IllegalStateException e) {
            throw new AssertionError("waiting until " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // Nothing outside the loop's memory.
    }
}
