package io.kvorum.transport;

/**
 * The first frame a {@link WireServer} sends to a client: its protocol version, its name (the node,
 * for the operator reading client logs) and a fresh challenge the client's credentials answer.
 */
record ServerHello(int protocolVersion, String serverName, byte[] nonce) {

    @Override
    public String toString() {
        return "ServerHello{" + serverName + ", protocol " + protocolVersion + "}";
    }
}
