package io.kvorum.transport;

/** The client's last handshake frame: its {@link Scram} proof for the server's nonce and challenge. */
record ClientProof(byte[] proof) {

    @Override
    public String toString() {
        return "ClientProof{" + (proof == null ? 0 : proof.length) + " bytes}";
    }
}
