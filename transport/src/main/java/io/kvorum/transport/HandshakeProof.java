package io.kvorum.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Challenge-response proofs of the cluster's shared secret, for the node handshake, and the fresh
 * nonces both handshakes use (clients prove hashed passwords instead, see {@link Scram}).
 *
 * <p>Each side of a connection sends a fresh 16-byte random challenge; the other proves it knows
 * the secret by returning {@code HMAC-SHA256(secret, transcript)} where the transcript holds that
 * challenge. A proof is therefore good for one connection only: a recorded handshake replayed later
 * meets a new challenge and fails. The secret itself never crosses the wire.
 *
 * <p>The node transcript is {@code label, role, cluster, prover id, verifier id, verifier nonce,
 * prover nonce}. The role (initiator or acceptor) stops reflection: an attacker who opens two
 * connections to a node cannot hand the node's own proof from one connection back to it on the
 * other, because the node, as acceptor on both, only ever proves as acceptor and only accepts
 * initiator proofs. The one identity a reflected proof could still claim is the verifier's own, and
 * the bus refuses a peer claiming its own id. Binding both ids and the cluster name stops a proof
 * from being reused for another identity or cluster.
 *
 * <p>This authenticates, it does not encrypt: frames after the handshake are in the clear. Use a
 * private network (or TLS in front) where eavesdropping matters.
 */
final class HandshakeProof {
    static final int NONCE_BYTES = 16;
    private static final byte[] NO_PROOF = new byte[0];
    private static final String NODE_LABEL = "kvorum-node-hello-v1";
    private static final SecureRandom RANDOM = new SecureRandom();

    enum Role { INITIATOR, ACCEPTOR }

    private HandshakeProof() {
    }

    static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    static byte[] none() {
        return NO_PROOF;
    }

    /** The node proof: {@code prover}, in {@code role}, answering {@code verifierNonce}. */
    static byte[] node(byte[] secret, Role role, String cluster, long proverId, long verifierId, byte[] verifierNonce,
            byte[] proverNonce) {
        byte[] clusterBytes = cluster.getBytes(StandardCharsets.UTF_8);
        ByteBuffer t = ByteBuffer.allocate(64 + clusterBytes.length + verifierNonce.length + proverNonce.length);
        putString(t, NODE_LABEL);
        t.put((byte) role.ordinal());
        t.putInt(clusterBytes.length).put(clusterBytes);
        t.putLong(proverId).putLong(verifierId);
        t.putInt(verifierNonce.length).put(verifierNonce);
        t.putInt(proverNonce.length).put(proverNonce);
        return hmac(secret, t);
    }

    /** Constant-time comparison, so response timing tells an attacker nothing about the expected proof. */
    static boolean matches(byte[] expected, byte[] actual) {
        return actual != null && MessageDigest.isEqual(expected, actual);
    }

    private static void putString(ByteBuffer t, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        t.putInt(b.length).put(b);
    }

    private static byte[] hmac(byte[] secret, ByteBuffer transcript) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(transcript.array(), 0, transcript.position());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }
}
