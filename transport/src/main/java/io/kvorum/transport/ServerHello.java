package io.kvorum.transport;

/**
 * The first frame a {@link WireServer} sends to a client: its protocol version, its name (the node,
 * for the operator reading client logs), a fresh challenge the client's credentials answer, and
 * whether it requires them. Saying so up front spares clients of open servers a round trip: they
 * pipeline requests right behind their hello.
 */
record ServerHello(int protocolVersion, String serverName, byte[] nonce, boolean authRequired) {

    @Override
    public String toString() {
        return "ServerHello{" + serverName + ", protocol " + protocolVersion + (authRequired ? ", auth" : "") + "}";
    }
}
