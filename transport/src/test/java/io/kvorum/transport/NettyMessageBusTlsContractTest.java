package io.kvorum.transport;

import io.kvorum.core.contract.BusHarness;
import io.kvorum.core.contract.MessageBusContract;

/**
 * The bus contract again, every connection over mutual TLS with a shared secret inside: TLS must
 * change nothing a protocol can see (ordering, typed failures, a dead peer failing fast).
 */
class NettyMessageBusTlsContractTest extends MessageBusContract {

    @Override
    protected BusHarness harness() {
        TlsConfig tls = TlsFixtures.node(0).requireClientAuth(true).build();
        return new NettyMessageBusContractTest.NettyHarness(b -> b.tls(tls).sharedSecret("contract-secret"));
    }
}
