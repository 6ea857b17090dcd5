package io.kvorum.transport;

import io.kvorum.core.contract.BusContractMessages;
import io.kvorum.core.contract.BusHarness;
import io.kvorum.core.contract.MessageBusContract;
import io.kvorum.sim.SimBusHarness;

/**
 * The bus contract on the simulated bus with every message carried as the real wire codec's bytes:
 * simulation and production then differ only in what the network does, never in what it can carry.
 */
class SimBusOverWireCodecContractTest extends MessageBusContract {
    @Override
    protected BusHarness harness() {
        return new SimBusHarness(43, network -> network.codec(KryoMessageCodec.of(BusContractMessages.types())));
    }
}
