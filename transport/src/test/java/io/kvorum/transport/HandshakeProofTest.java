package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.transport.HandshakeProof.Role;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A proof is bound to the secret, the challenge, the prover's role and identity, and the cluster. */
class HandshakeProofTest {
    private static final byte[] SECRET = "secret".getBytes(StandardCharsets.UTF_8);
    private final byte[] verifierNonce = HandshakeProof.nonce();
    private final byte[] proverNonce = HandshakeProof.nonce();

    private byte[] proof(byte[] secret, Role role, String cluster, long prover, long verifier, byte[] challenge) {
        return HandshakeProof.node(secret, role, cluster, prover, verifier, challenge, proverNonce);
    }

    @Test
    void everyInputChangesTheProof() {
        byte[] p = proof(SECRET, Role.INITIATOR, "c", 1, 2, verifierNonce);
        assertThat(p).hasSize(32);
        assertThat(HandshakeProof.matches(p, proof(SECRET, Role.INITIATOR, "c", 1, 2, verifierNonce))).isTrue();
        assertThat(HandshakeProof.matches(p, proof("other".getBytes(), Role.INITIATOR, "c", 1, 2, verifierNonce)))
                .as("secret").isFalse();
        assertThat(HandshakeProof.matches(p, proof(SECRET, Role.ACCEPTOR, "c", 1, 2, verifierNonce)))
                .as("role: a reflected proof").isFalse();
        assertThat(HandshakeProof.matches(p, proof(SECRET, Role.INITIATOR, "d", 1, 2, verifierNonce)))
                .as("cluster").isFalse();
        assertThat(HandshakeProof.matches(p, proof(SECRET, Role.INITIATOR, "c", 3, 2, verifierNonce)))
                .as("prover").isFalse();
        assertThat(HandshakeProof.matches(p, proof(SECRET, Role.INITIATOR, "c", 1, 3, verifierNonce)))
                .as("verifier").isFalse();
        assertThat(HandshakeProof.matches(p, proof(SECRET, Role.INITIATOR, "c", 1, 2, HandshakeProof.nonce())))
                .as("a fresh challenge: a replay").isFalse();
        assertThat(HandshakeProof.matches(p, null)).isFalse();
        assertThat(HandshakeProof.matches(p, new byte[0])).isFalse();
    }

    @Test
    void noncesAreFresh() {
        assertThat(HandshakeProof.nonce()).hasSize(16).isNotEqualTo(HandshakeProof.nonce());
    }
}
