package io.kvorum.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client password proof: SCRAM-SHA-256 (RFC 5802, RFC 7677) fitted into Kvorum's handshake.
 *
 * <pre>
 * SaltedPassword  = PBKDF2-HMAC-SHA256(password, salt, iterations)
 * ClientKey       = HMAC(SaltedPassword, "Client Key")
 * StoredKey       = SHA-256(ClientKey)                     -- all the server keeps, with salt and iterations
 * AuthMessage     = label, server nonce, client name, user, salt, iterations (length-prefixed)
 * ClientSignature = HMAC(StoredKey, AuthMessage)
 * ClientProof     = ClientKey XOR ClientSignature          -- what the client sends
 * </pre>
 * The server recomputes ClientSignature, recovers {@code ClientKey = ClientProof XOR
 * ClientSignature} and accepts when {@code SHA-256(ClientKey)} equals its StoredKey (compared in
 * constant time). Why this rather than an HMAC keyed by the password: the server no longer holds
 * anything a client can log in with. Someone who reads the users file has StoredKey, which
 * computes ClientSignature but not ClientKey, so they cannot forge a proof; they can only guess
 * passwords offline, each guess costing the PBKDF2 iterations. The nonce is fresh per connection,
 * so a recorded proof does not answer a later challenge. AuthMessage also binds the salt and
 * iteration count the client was given, as SCRAM's does, so the proof answers exactly that
 * challenge.
 *
 * <p>What it does not do: encrypt, or authenticate the server (SCRAM's ServerSignature is left
 * out; a client that must know it talks to a real node needs TLS). An eavesdropper who also has
 * the users file can recover ClientKey from one recorded proof, as in SCRAM; keep the file private.
 * The password is taken as its UTF-8 bytes without SASLprep normalisation.
 */
final class Scram {
    static final int KEY_BYTES = 32;
    private static final byte[] CLIENT_KEY_LABEL = "Client Key".getBytes(StandardCharsets.US_ASCII);
    private static final String AUTH_LABEL = "kvorum-client-scram-sha-256-v1";

    private Scram() {
    }

    /** The costly step, done once per password and salt: PBKDF2 then HMAC "Client Key". */
    static byte[] clientKey(String password, byte[] salt, int iterations) {
        byte[] salted;
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, KEY_BYTES * 8);
            try {
                salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is required of every JVM", e);
        }
        return hmac(salted, CLIENT_KEY_LABEL);
    }

    static byte[] storedKey(byte[] clientKey) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(clientKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    static byte[] authMessage(byte[] serverNonce, String clientName, String user, byte[] salt, int iterations) {
        byte[] label = AUTH_LABEL.getBytes(StandardCharsets.UTF_8);
        byte[] name = clientName.getBytes(StandardCharsets.UTF_8);
        byte[] userBytes = user.getBytes(StandardCharsets.UTF_8);
        ByteBuffer m = ByteBuffer.allocate(5 * 4 + label.length + serverNonce.length + name.length + userBytes.length
                + salt.length + 4);
        for (byte[] part : new byte[][] {label, serverNonce, name, userBytes, salt}) {
            m.putInt(part.length).put(part);
        }
        m.putInt(iterations);
        return m.array();
    }

    /** The client's proof for {@code authMessage}. */
    static byte[] proof(byte[] clientKey, byte[] authMessage) {
        return xor(clientKey, hmac(storedKey(clientKey), authMessage));
    }

    /** True when {@code proof} shows knowledge of the ClientKey whose hash is {@code storedKey}. */
    static boolean verify(byte[] storedKey, byte[] authMessage, byte[] proof) {
        if (proof == null || proof.length != KEY_BYTES) {
            return false;
        }
        byte[] clientKey = xor(proof, hmac(storedKey, authMessage));
        return MessageDigest.isEqual(storedKey(clientKey), storedKey);
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }
}
