package io.kvorum.transport;

/**
 * A client's answer to {@link ServerHello}, its first frame: who it is and, when it has
 * credentials, the user it will prove to be. {@code user} is null without credentials. A server
 * that requires credentials answers a named user with an {@link AuthChallenge}.
 */
record ClientHello(int protocolVersion, String clientName, String user) {

    @Override
    public String toString() {
        return "ClientHello{" + clientName + (user == null ? "" : ", user " + user) + "}";
    }
}
