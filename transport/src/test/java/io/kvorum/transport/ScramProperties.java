package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.ClientRole;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The laws of the client proof ({@link Scram}) and of the users-file line ({@link ClientUser}):
 * the right password verifies against the stored key; any other password, user, client name,
 * nonce or challenge does not; what the server stores cannot stand in for the password; a line
 * reads back as the user it was written from.
 *
 * <p>PBKDF2 is slow by design, so the properties that derive keys run fewer tries, at the fewest
 * iterations a credential may have.
 */
class ScramProperties {
    private static final int ITERATIONS = StoredCredential.MIN_ITERATIONS;

    private static byte[] proofFor(String password, StoredCredential c, byte[] nonce, String clientName, String user) {
        byte[] clientKey = Scram.clientKey(password, c.salt(), c.iterations());
        return Scram.proof(clientKey, Scram.authMessage(nonce, clientName, user, c.salt(), c.iterations()));
    }

    private static boolean verifies(StoredCredential c, byte[] nonce, String clientName, String user, byte[] proof) {
        return Scram.verify(c.storedKey(), Scram.authMessage(nonce, clientName, user, c.salt(), c.iterations()), proof);
    }

    @Property(tries = 50)
    void theRightPasswordVerifies(@ForAll("passwords") String password, @ForAll @Size(16) byte[] salt,
            @ForAll @Size(16) byte[] nonce, @ForAll("names") String clientName, @ForAll("names") String user) {
        StoredCredential c = StoredCredential.derive(password, salt, ITERATIONS);
        assertThat(verifies(c, nonce, clientName, user, proofFor(password, c, nonce, clientName, user))).isTrue();
    }

    @Property(tries = 50)
    void anyOtherPasswordDoesNot(@ForAll("passwords") String password, @ForAll("passwords") String guess,
            @ForAll @Size(16) byte[] salt, @ForAll @Size(16) byte[] nonce) {
        Assume.that(!password.equals(guess));
        StoredCredential c = StoredCredential.derive(password, salt, ITERATIONS);
        assertThat(verifies(c, nonce, "app", "alice", proofFor(guess, c, nonce, "app", "alice"))).isFalse();
    }

    /** One derivation per try; the proof is then tried against every other transcript. */
    @Property(tries = 50)
    void aProofAnswersOnlyItsOwnUserClientNonceAndChallenge(@ForAll("passwords") String password,
            @ForAll @Size(16) byte[] salt, @ForAll @Size(16) byte[] nonce, @ForAll @Size(16) byte[] otherNonce,
            @ForAll("names") String user, @ForAll("names") String otherUser, @ForAll("names") String clientName,
            @ForAll("names") String otherClient) {
        StoredCredential c = StoredCredential.derive(password, salt, ITERATIONS);
        byte[] proof = proofFor(password, c, nonce, clientName, user);
        byte[] storedKey = c.storedKey();
        if (!Arrays.equals(nonce, otherNonce)) {
            assertThat(verifies(c, otherNonce, clientName, user, proof)).as("a replay to a fresh nonce").isFalse();
        }
        if (!user.equals(otherUser)) {
            assertThat(verifies(c, nonce, clientName, otherUser, proof)).as("another user").isFalse();
        }
        if (!clientName.equals(otherClient)) {
            assertThat(verifies(c, nonce, otherClient, user, proof)).as("another client name").isFalse();
        }
        byte[] otherSalt = salt.clone();
        otherSalt[0] ^= 1;
        assertThat(Scram.verify(storedKey, Scram.authMessage(nonce, clientName, user, otherSalt, ITERATIONS), proof))
                .as("another challenge's salt").isFalse();
        assertThat(Scram.verify(storedKey, Scram.authMessage(nonce, clientName, user, salt, ITERATIONS + 1), proof))
                .as("another challenge's count").isFalse();
    }

    @Property(tries = 50)
    void aTamperedProofFails(@ForAll("passwords") String password, @ForAll @Size(16) byte[] salt,
            @ForAll @Size(16) byte[] nonce, @ForAll @IntRange(min = 0, max = 255) int at,
            @ForAll @IntRange(min = 1, max = 255) int mask) {
        StoredCredential c = StoredCredential.derive(password, salt, ITERATIONS);
        byte[] proof = proofFor(password, c, nonce, "app", "alice");
        proof[at % proof.length] ^= (byte) mask;
        assertThat(verifies(c, nonce, "app", "alice", proof)).isFalse();
        assertThat(verifies(c, nonce, "app", "alice", Arrays.copyOf(proof, 31))).as("a short proof").isFalse();
        assertThat(verifies(c, nonce, "app", "alice", null)).isFalse();
    }

    /** Whoever holds the users file holds StoredKey: used as if it were ClientKey, it proves nothing. */
    @Property(tries = 50)
    void theStoredKeyCannotStandInForThePassword(@ForAll("passwords") String password, @ForAll @Size(16) byte[] salt,
            @ForAll @Size(16) byte[] nonce) {
        StoredCredential c = StoredCredential.derive(password, salt, ITERATIONS);
        byte[] authMessage = Scram.authMessage(nonce, "app", "alice", salt, ITERATIONS);
        assertThat(Scram.verify(c.storedKey(), authMessage, Scram.proof(c.storedKey(), authMessage))).isFalse();
        // Nor does the signature the stored key can compute, sent as the proof.
        assertThat(Scram.verify(c.storedKey(), authMessage, Scram.hmac(c.storedKey(), authMessage))).isFalse();
    }

    @Property
    void aUsersFileLineRoundTrips(@ForAll("userNames") String name, @ForAll ClientRole role,
            @ForAll @Size(min = 16, max = 64) byte[] salt,
            @ForAll @IntRange(min = StoredCredential.MIN_ITERATIONS, max = StoredCredential.MAX_ITERATIONS)
            int iterations, @ForAll @Size(32) byte[] storedKey) {
        ClientUser user = new ClientUser(name, role, new StoredCredential(salt, iterations, storedKey));
        String line = user.toLine();

        assertThat(ClientUser.parse(line)).isEqualTo(user);
        assertThat(ClientUser.parse("  " + line + " ")).as("surrounding blanks").isEqualTo(user);
        assertThat(line).startsWith(name + ":" + role.label() + ":scram-sha-256:" + iterations + ":");
    }

    @Property
    void aDamagedLineIsRefusedNamingTheField(@ForAll("userNames") String name, @ForAll @Size(32) byte[] key) {
        String good = new ClientUser(name, ClientRole.DATA, new StoredCredential(new byte[16], ITERATIONS, key))
                .toLine();
        String[] f = good.split(":");
        assertRefused(String.join(":", f[0], f[1], f[2], f[3], f[4]), "5 fields (expected: 6");
        assertRefused(String.join(":", f[0], "root", f[2], f[3], f[4], f[5]), "role 'root' (expected: data or admin)");
        assertRefused(String.join(":", f[0], f[1], "md5", f[3], f[4], f[5]), "scheme 'md5'");
        assertRefused(String.join(":", f[0], f[1], f[2], "lots", f[4], f[5]), "iterations 'lots'");
        assertRefused(String.join(":", f[0], f[1], f[2], "10", f[4], f[5]), "PBKDF2 iterations: 10");
        assertRefused(String.join(":", f[0], f[1], f[2], f[3], "!!", f[5]), "salt is not base64");
        assertRefused(String.join(":", f[0], f[1], f[2], f[3], f[4], "AAAA"), "stored key: 3 bytes (expected: 32");
        assertRefused(String.join(":", "", f[1], f[2], f[3], f[4], f[5]), "user name: ''");
        assertRefused(String.join(":", "a b", f[1], f[2], f[3], f[4], f[5]), "user name: 'a b'");
    }

    private static void assertRefused(String line, String message) {
        assertThatThrownBy(() -> ClientUser.parse(line)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Provide
    Arbitrary<String> passwords() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(40)
                .filter(s -> s.codePoints().noneMatch(cp -> Character.isSurrogate((char) cp)));
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(30).alpha().numeric().withChars("-_.@ é");
    }

    @Provide
    Arbitrary<String> userNames() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(64).alpha().numeric().withChars("._@-");
    }
}
