package io.kvorum.sim;

import io.kvorum.core.contract.BusHarness;
import io.kvorum.core.contract.MessageBusContract;

/** The bus contract on the simulated bus, carrying objects (no codec), with the default latency. */
class SimBusContractTest extends MessageBusContract {
    @Override
    protected BusHarness harness() {
        return new SimBusHarness(42, network -> {
        });
    }
}
