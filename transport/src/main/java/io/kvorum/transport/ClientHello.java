package io.kvorum.transport;

/**
 * A client's answer to {@link ServerHello}, its first frame: who it is and, when it has
 * credentials, its user name and a proof of the password over the server's challenge
 * ({@link HandshakeProof#client}). {@code user} is null and {@code proof} empty without credentials.
 */
record ClientHello(int protocolVersion, String clientName, String user, byte[] proof) {

    @Override
    public String toString() {
        return "ClientHello{" + clientName + (user == null ? "" : ", user " + user) + "}";
    }
}
