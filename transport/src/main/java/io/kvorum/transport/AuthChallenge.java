package io.kvorum.transport;

/**
 * The server's second handshake frame, to a client that named a user: the salt and PBKDF2 count
 * of that user's {@link StoredCredential}, which the client needs before it can prove its password
 * ({@link Scram}). An unknown user gets a decoy challenge rather than a refusal, so the handshake
 * does not tell who has an account.
 */
record AuthChallenge(byte[] salt, int iterations) {

    @Override
    public String toString() {
        return "AuthChallenge{" + iterations + " iterations}";
    }
}
