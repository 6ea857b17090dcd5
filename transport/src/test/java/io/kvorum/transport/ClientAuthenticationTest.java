package io.kvorum.transport;

import static io.kvorum.transport.NettyMessageBusTest.await;
import static io.kvorum.transport.NettyMessageBusTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Failure;
import io.kvorum.core.Message;
import io.kvorum.core.UnauthorizedException;
import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.LogCapture;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.EOFException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client handshake with hashed passwords, end to end over loopback: a server that holds only
 * stored keys serves the right password, refuses wrong ones, unknown users and anonymous clients
 * alike with a typed error, and a recorded proof does not open a second connection.
 */
class ClientAuthenticationTest {
    private static final long WAIT_MS = 10_000;
    /** The fewest iterations a credential may have: keeps the suite quick, the scheme is the same. */
    private static final int ITERATIONS = StoredCredential.MIN_ITERATIONS;
    private static final StoredCredential ALICE = StoredCredential.create("wonderland", ITERATIONS, new SecureRandom());

    private final Buses closing = new Buses();
    private final LogCapture logs = new LogCapture("io.kvorum.transport");
    private final List<WireServer.ClientInfo> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        logs.close();
        closing.close();
    }

    private CompletableFuture<? extends Message> pong(WireServer.ClientInfo client, Message request) {
        seen.add(client);
        return CompletableFuture.completedFuture(new Pong("pong:" + ((Ping) request).text()));
    }

    private WireServer server(Map<String, StoredCredential> users) {
        return server(WireServer.builder(TestMessages.types(), this::pong).users(users).eventLoopThreads(1));
    }

    private WireServer server(WireServer.Builder b) {
        return closing.track(b.build()).start();
    }

    private WireClient client(InetSocketAddress server, ClientCredentials credentials) {
        WireClient.Builder b = WireClient.builder(server, TestMessages.types()).clientName("app");
        if (credentials != null) {
            b.credentials(credentials);
        }
        return closing.track(b.build());
    }

    @Test
    void aServerHoldingOnlyStoredKeysAcceptsTheRightPassword() throws Exception {
        WireServer server = server(Map.of("alice", ALICE));
        WireClient alice = client(server.localAddress(), new ClientCredentials("alice", "wonderland"));

        assertThat(await(alice.request(new Ping("hi"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:hi"));
        assertThat(seen.get(0).user()).isEqualTo("alice");
        assertThat(seen.get(0).clientName()).isEqualTo("app");
    }

    @Test
    void aWrongPasswordAnUnknownUserAndNoCredentialsAreRefusedAlike() throws Exception {
        WireServer server = server(Map.of("alice", ALICE));

        Throwable wrong = failureOf(client(server.localAddress(), new ClientCredentials("alice", "guess"))
                .request(new Ping("let me in"), Pong.class, WAIT_MS));
        Throwable unknown = failureOf(client(server.localAddress(), new ClientCredentials("mallory", "wonderland"))
                .request(new Ping("me too"), Pong.class, WAIT_MS));
        Throwable anonymous = failureOf(client(server.localAddress(), null).request(new Ping("?"), Pong.class,
                WAIT_MS));

        assertThat(wrong).isInstanceOf(UnauthorizedException.class).hasMessage("authentication failed for user 'alice'");
        assertThat(unknown).isInstanceOf(UnauthorizedException.class)
                .hasMessage("authentication failed for user 'mallory'");
        assertThat(anonymous).isInstanceOf(UnauthorizedException.class)
                .hasMessage("authentication failed for a client without credentials");
        assertThat(seen).as("no refused request reached the handler").isEmpty();
        // The client hears the same words either way; the operator's log tells which it was.
        Await.until("three refusals logged", Duration.ofSeconds(5),
                () -> logs.warningsContaining("authentication failed").size() == 3);
        assertThat(logs.warningsContaining("wrong password")).hasSize(1);
        assertThat(logs.warningsContaining("unknown user")).hasSize(1);
    }

    @Test
    void anOpenServerAcceptsEveryClientAndNotesTheClaimedUser() throws Exception {
        WireServer server = server(Map.of());
        WireClient claimed = client(server.localAddress(), new ClientCredentials("bob", "anything"));
        WireClient anonymous = client(server.localAddress(), null);

        assertThat(await(claimed.request(new Ping("1"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:1"));
        assertThat(await(anonymous.request(new Ping("2"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:2"));
        assertThat(seen).extracting(WireServer.ClientInfo::user).containsExactlyInAnyOrder("bob", null);
    }

    @Test
    void theDerivedKeyIsCachedAcrossConnectionsAndReconnects() throws Exception {
        WireServer server = server(Map.of("alice", ALICE));
        InetSocketAddress address = server.localAddress();
        ClientCredentials shared = new ClientCredentials("alice", "wonderland");
        WireClient one = client(address, shared);
        WireClient two = client(address, shared);
        await(one.request(new Ping("1"), Pong.class, WAIT_MS));
        await(two.request(new Ping("2"), Pong.class, WAIT_MS));

        server.close();
        Await.until("the client noticed", Duration.ofSeconds(5), () -> !one.isConnected());
        server(WireServer.builder(TestMessages.types(), this::pong).users(Map.of("alice", ALICE))
                .listen("127.0.0.1", address.getPort()).eventLoopThreads(1));
        assertThat(await(one.request(new Ping("3"), Pong.class, WAIT_MS))).isEqualTo(new Pong("pong:3"));

        assertThat(shared.derivations()).as("PBKDF2 runs once for three handshakes").isEqualTo(1);
    }

    @Test
    void aNewSaltIsDerivedAfresh() throws Exception {
        ClientCredentials credentials = new ClientCredentials("alice", "wonderland");
        WireServer first = server(Map.of("alice", ALICE));
        await(client(first.localAddress(), credentials).request(new Ping("1"), Pong.class, WAIT_MS));
        // The same password hashed again, as after kvorum-admin hash-password: a new salt.
        WireServer second = server(Map.of("alice", StoredCredential.create("wonderland", ITERATIONS,
                new SecureRandom())));
        await(client(second.localAddress(), credentials).request(new Ping("2"), Pong.class, WAIT_MS));

        assertThat(credentials.derivations()).isEqualTo(2);
    }

    @Test
    void aRecordedProofDoesNotAnswerAFreshNonce() throws Exception {
        WireServer server = server(Map.of("alice", ALICE));
        WireCodec codec = new WireCodec(TestMessages.types(), 1 << 20);
        byte[] clientKey = Scram.clientKey("wonderland", ALICE.salt(), ALICE.iterations());
        byte[] recorded;
        try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            s.setSoTimeout((int) WAIT_MS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            ServerHello hello = (ServerHello) read(in, codec).body();
            assertThat(hello.authRequired()).isTrue();
            write(s, codec, new ClientHello(WireCodec.PROTOCOL_VERSION, "app", "alice"));
            AuthChallenge challenge = (AuthChallenge) read(in, codec).body();
            recorded = Scram.proof(clientKey, Scram.authMessage(hello.nonce(), "app", "alice", challenge.salt(),
                    challenge.iterations()));
            write(s, codec, new ClientProof(recorded));
        }
        try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            s.setSoTimeout((int) WAIT_MS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            read(in, codec);
            write(s, codec, new ClientHello(WireCodec.PROTOCOL_VERSION, "app", "alice"));
            read(in, codec);
            write(s, codec, new ClientProof(recorded));
            Frame answer = read(in, codec);
            assertThat(answer.kind()).isEqualTo(FrameKind.FAILURE);
            assertThat(((Failure) answer.body()).kind()).isEqualTo(Failure.Kind.UNAUTHORIZED);
            assertThatThrownBy(() -> read(in, codec)).as("then the server closes").isInstanceOf(EOFException.class);
        }
        Await.until("the replay was logged", Duration.ofSeconds(5),
                () -> logs.warningsContaining("authentication failed for user 'alice' (wrong password").size() == 1);
    }

    @Test
    void anUnknownUsersChallengeIsStableAndShapedLikeARealOne() {
        ClientAuthenticator auth = new ClientAuthenticator(Map.of("alice", ALICE));
        AuthChallenge decoy = auth.challenge("mallory");

        assertThat(decoy.salt()).hasSize(StoredCredential.SALT_BYTES).isEqualTo(auth.challenge("mallory").salt());
        assertThat(decoy.salt()).isNotEqualTo(auth.challenge("trudy").salt());
        assertThat(decoy.iterations()).isEqualTo(StoredCredential.DEFAULT_ITERATIONS);
        assertThat(new ClientAuthenticator(Map.of("alice", ALICE)).challenge("mallory").salt())
                .as("the same users file, the same decoy: another node, or a restart, answers alike")
                .isEqualTo(decoy.salt());
        assertThat(auth.challenge("alice").salt()).isEqualTo(ALICE.salt());
    }

    @Test
    void aClientRefusesAChallengeOutOfBounds() {
        ClientCredentials c = new ClientCredentials("alice", "wonderland");
        assertThatThrownBy(() -> c.clientKey(new byte[16], 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PBKDF2 iterations: 1 (expected: 4096..10000000)");
        assertThatThrownBy(() -> c.clientKey(new byte[16], Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PBKDF2 iterations");
        assertThatThrownBy(() -> c.clientKey(new byte[4], ITERATIONS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("salt: 4 bytes");
        assertThat(c.derivations()).isZero();
    }

    private static void write(Socket s, WireCodec codec, Object hello) throws Exception {
        ByteBuf buf = codec.encode(UnpooledByteBufAllocator.DEFAULT, FrameKind.HELLO, 0, hello);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
    }

    private static Frame read(DataInputStream in, WireCodec codec) throws Exception {
        int length = in.readInt();
        byte[] frame = new byte[4 + length];
        in.readFully(frame, 4, length);
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        try {
            return FrameDecoder.decodeFrame(codec, buf, 4, 4 + length, false);
        } finally {
            buf.release();
        }
    }
}
