package io.kvorum.transport;

import io.kvorum.core.RateLimitedLog;
import io.kvorum.core.testing.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Failure;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.SizeLimitExceededException;
import io.kvorum.transport.TestMessages.Bag;
import io.kvorum.transport.TestMessages.Blob;
import io.kvorum.transport.TestMessages.Carrier;
import io.kvorum.transport.TestMessages.Note;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import io.kvorum.transport.TestMessages.Silent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The frame format and its gatekeeping, without sockets: every kind round-trips, every kind of garbage is refused. */
class WireCodecTest {
    private static final int V = WireCodec.PROTOCOL_VERSION;
    private static final int MAX_FRAME_BYTES = 64 << 10;
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

    private final WireCodec codec = new WireCodec(TestMessages.types(), MAX_FRAME_BYTES);
    private final LogCapture logs = new LogCapture("io.kvorum.transport");
    /** Shared by the randomized tests, whose thousands of rejections would otherwise fill the test log. */
    private final RateLimitedLog sharedRejectLog = RateLimitedLog.standard(LoggerFactory.getLogger(FrameDecoder.class));

    @AfterEach
    void tearDown() {
        logs.close();
    }

    private EmbeddedChannel channel(boolean handshakeDone) {
        return channel(handshakeDone, RateLimitedLog.standard(LoggerFactory.getLogger(FrameDecoder.class)));
    }

    private EmbeddedChannel channel(boolean handshakeDone, RateLimitedLog rejectLog) {
        FrameDecoder decoder = new FrameDecoder(codec, rejectLog, "test");
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        if (handshakeDone) {
            decoder.handshakeDone();
        }
        return ch;
    }

    private Frame roundTrip(int kind, long correlationId, Object body) {
        EmbeddedChannel ch = channel(kind != FrameKind.HELLO);
        ch.writeInbound(codec.encode(ALLOC, kind, correlationId, body));
        Frame f = ch.readInbound();
        assertThat(f).isNotNull();
        assertThat(f.kind()).isEqualTo(kind);
        assertThat(f.correlationId()).isEqualTo(correlationId);
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
        return f;
    }

    @Test
    void everyFrameKindRoundTrips() {
        Hello hello = new Hello(2, "c1", 1, 77, "127.0.0.2", 7000, HandshakeProof.nonce(), new byte[32]);
        Hello helloBack = (Hello) roundTrip(FrameKind.HELLO, 0, hello).body();
        assertThat(helloBack.clusterName()).isEqualTo("c1");
        assertThat(helloBack.nodeId()).isEqualTo(77);
        assertThat(helloBack.listenHost()).isEqualTo("127.0.0.2");
        assertThat(helloBack.nonce()).isEqualTo(hello.nonce());
        assertThat(helloBack.proof()).hasSize(32);

        ServerHello sh = (ServerHello) roundTrip(FrameKind.HELLO, 0, new ServerHello(V, "node x", new byte[16], true))
                .body();
        assertThat(sh.serverName()).isEqualTo("node x");
        assertThat(sh.authRequired()).isTrue();
        ClientHello cl = (ClientHello) roundTrip(FrameKind.HELLO, 0, new ClientHello(V, "app", null)).body();
        assertThat(cl.clientName()).isEqualTo("app");
        assertThat(cl.user()).isNull();
        AuthChallenge ch = (AuthChallenge) roundTrip(FrameKind.HELLO, 0, new AuthChallenge(new byte[16], 4096)).body();
        assertThat(ch.salt()).hasSize(16);
        assertThat(ch.iterations()).isEqualTo(4096);
        ClientProof pr = (ClientProof) roundTrip(FrameKind.HELLO, 0, new ClientProof(new byte[32])).body();
        assertThat(pr.proof()).hasSize(32);

        assertThat(roundTrip(FrameKind.ONE_WAY, 0, new Note(5)).body()).isEqualTo(new Note(5));
        assertThat(roundTrip(FrameKind.REQUEST, 1L << 40, new Ping("héllo")).body()).isEqualTo(new Ping("héllo"));
        assertThat(roundTrip(FrameKind.RESPONSE, -3, new Pong("")).body()).isEqualTo(new Pong(""));
        Failure failure = new Failure(Failure.Kind.UNAVAILABLE, "needs 2", 2, 1);
        assertThat(roundTrip(FrameKind.FAILURE, 9, failure).body()).isEqualTo(failure);
        // Failure is also a registered message (as in the client protocol), and travels as one.
        assertThat(roundTrip(FrameKind.RESPONSE, 9, failure).body()).isEqualTo(failure);
        assertThat(roundTrip(FrameKind.REQUEST, 1, new Ping(null)).body()).isEqualTo(new Ping(null));
    }

    @Test
    void coreTypesInsideRecordsRoundTrip() {
        Carrier carrier = TestMessages.carrier();
        Carrier back = (Carrier) roundTrip(FrameKind.REQUEST, 1, carrier).body();
        assertThat(back).isEqualTo(carrier);
        assertThat(back.record().context()).isEqualTo(carrier.record().context());
        assertThat(back.tombstone().isTombstone()).isTrue();
        assertThat(back.nested().colour()).isEqualTo(TestMessages.Colour.GREEN);
    }

    @Test
    void anEmptyRecordIsTheSmallestFrame() {
        ByteBuf buf = codec.encode(ALLOC, FrameKind.REQUEST, 1, new Silent());
        assertThat(buf.getInt(0)).isEqualTo(WireCodec.MIN_FRAME_BYTES);
        buf.release();
        assertThat(roundTrip(FrameKind.REQUEST, 1, new Silent()).body()).isEqualTo(new Silent());
    }

    @Test
    void theHeaderIsAsDocumented() {
        ByteBuf buf = codec.encode(ALLOC, FrameKind.REQUEST, 0x0102030405060708L, new Ping("a"));
        assertThat(buf.getInt(0)).isEqualTo(buf.readableBytes() - 4);
        assertThat(buf.getByte(4)).isEqualTo((byte) 2);
        assertThat(buf.getByte(5)).isEqualTo((byte) FrameKind.REQUEST);
        assertThat(buf.getLong(6)).isEqualTo(0x0102030405060708L);
        assertThat(buf.getByte(14)).isEqualTo((byte) 10);
        buf.release();
    }

    @Test
    void framesSplitAnywhereAndBatchedTogetherDecode() {
        ByteBuf all = Unpooled.buffer();
        for (int i = 0; i < 20; i++) {
            ByteBuf f = codec.encode(ALLOC, FrameKind.ONE_WAY, 0, new Note(i));
            all.writeBytes(f);
            f.release();
        }
        EmbeddedChannel ch = channel(true);
        while (all.isReadable()) {
            ch.writeInbound(all.readRetainedSlice(Math.min(3, all.readableBytes())));
        }
        all.release();
        for (int i = 0; i < 20; i++) {
            assertThat(((Frame) ch.readInbound()).body()).isEqualTo(new Note(i));
        }
        assertThat((Frame) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void encodingRefusesWhatCannotBeSent() {
        assertThatThrownBy(() -> codec.encode(ALLOC, FrameKind.REQUEST, 1, new Blob(new byte[MAX_FRAME_BYTES])))
                .isInstanceOf(SizeLimitExceededException.class)
                .hasMessageContaining("maxFrameBytes");
        record Unregistered(int x) implements Message {
        }
        assertThatThrownBy(() -> codec.encode(ALLOC, FrameKind.REQUEST, 1, new Unregistered(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("registered in MessageTypes");
        assertThatThrownBy(() -> codec.encode(ALLOC, FrameKind.REQUEST, 1, new Bag(List.of(new StringBuilder()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be encoded");
        // The codec keeps working after a failed encode on the same thread.
        assertThat(roundTrip(FrameKind.REQUEST, 1, new Ping("still fine")).body()).isEqualTo(new Ping("still fine"));
    }

    @Test
    void messageTypesAreCheckedWhenTheCodecIsBuilt() {
        final class NotARecord implements Message {
        }
        assertThatThrownBy(() -> new WireCodec(MessageTypes.builder().add(1, NotARecord.class).build(), 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: a record");
        record WithArray(String[] names) implements Message {
        }
        assertThatThrownBy(() -> new WireCodec(MessageTypes.builder().add(1, WithArray.class).build(), 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WithArray.names");
        record WithThread(Thread t) implements Message {
        }
        assertThatThrownBy(() -> new WireCodec(MessageTypes.builder().add(1, WithThread.class).build(), 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Thread");
    }

    // ---- rejections: each closes the connection with one reason line and delivers nothing ----

    private void assertRejected(boolean handshakeDone, ByteBuf bytes, String reason) {
        EmbeddedChannel ch = channel(handshakeDone);
        // A valid frame right behind the bad one: whatever follows on a rejected connection is
        // discarded unread.
        ByteBuf valid = codec.encode(ALLOC, FrameKind.HELLO, 0, new ServerHello(V, "s", new byte[16], false));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, valid));
        assertThat(ch.isOpen()).as("closed for: " + reason).isFalse();
        assertThat((Frame) ch.readInbound()).isNull();
        ch.checkException();
        assertThat(logs.warnings()).hasSize(1);
        assertThat(logs.warnings().get(0)).contains("closing connection with").contains(reason);
        ch.finishAndReleaseAll();
    }

    /** A frame with the given header fields and payload; the length field is computed. */
    private static ByteBuf frame(int version, int kind, long correlationId, int typeId, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(0).writeByte(version).writeByte(kind).writeLong(correlationId);
        WireCodec.writeVarInt(b, typeId);
        b.writeBytes(payload);
        b.setInt(0, b.readableBytes() - 4);
        return b;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void anOversizedLengthIsRefusedFromTheLengthFieldAlone() {
        // Only the four length bytes arrive: the decoder must not wait to buffer 64 KiB + 1.
        assertRejected(true, Unpooled.buffer().writeInt(MAX_FRAME_BYTES + 1),
                "frame length " + (MAX_FRAME_BYTES + 1) + " (expected: 1.." + MAX_FRAME_BYTES + ")");
    }

    @Test
    void aLengthOfFourGigabytesIsRefused() {
        assertRejected(true, Unpooled.buffer().writeInt(-1), "frame length 4294967295");
    }

    @Test
    void aZeroLengthIsRefused() {
        assertRejected(true, Unpooled.buffer().writeInt(0), "frame length 0");
    }

    @Test
    void aFrameShorterThanItsHeaderIsRefused() {
        assertRejected(true, Unpooled.buffer().writeInt(5).writeBytes(new byte[5]), "frame of 5 bytes");
    }

    @Test
    void aWrongProtocolVersionIsRefused() {
        // Version 1 is the build before hashed client passwords: its peers are told so, not misread.
        assertRejected(true, frame(1, FrameKind.REQUEST, 1, 10, bytes(0)), "protocol version 1 (expected: 2)");
    }

    @Test
    void anUnknownKindIsRefused() {
        assertRejected(true, frame(V, 9, 1, 10, bytes(0)), "frame kind 9");
    }

    @Test
    void anUnknownTypeIdIsRefused() {
        assertRejected(true, frame(V, FrameKind.REQUEST, 1, 999, bytes(0)), "unknown typeId 999");
        logs.close();
        try (LogCapture more = new LogCapture("io.kvorum.transport")) {
            EmbeddedChannel hello = channel(false);
            hello.writeInbound(frame(V, FrameKind.HELLO, 0, 7, bytes(0)));
            assertThat(hello.isOpen()).isFalse();
            EmbeddedChannel failure = channel(true);
            failure.writeInbound(frame(V, FrameKind.FAILURE, 1, 10, bytes(0)));
            assertThat(failure.isOpen()).isFalse();
            assertThat(more.warningsContaining("unknown typeId")).hasSize(2);
        }
    }

    @Test
    void anOverlongTypeIdIsRefused() {
        ByteBuf b = Unpooled.buffer().writeInt(0).writeByte(V).writeByte(FrameKind.REQUEST).writeLong(1)
                .writeBytes(bytes(0x80, 0x80, 0x80, 0x01, 0));
        b.setInt(0, b.readableBytes() - 4);
        assertRejected(true, b, "typeId is not a varint");
    }

    @Test
    void anUnreadablePayloadIsRefused() {
        // Ping's string claims 5 bytes and the frame has 1.
        assertRejected(true, frame(V, FrameKind.REQUEST, 1, 10, bytes(1, 5, 'a')), "is not a valid Ping");
    }

    @Test
    void aPayloadWithBytesLeftOverIsRefused() {
        ByteBuf good = codec.encode(ALLOC, FrameKind.REQUEST, 1, new Ping("a"));
        byte[] payload = new byte[good.readableBytes() - 15];
        good.getBytes(15, payload);
        good.release();
        byte[] longer = new byte[payload.length + 2];
        System.arraycopy(payload, 0, longer, 0, payload.length);
        assertRejected(true, frame(V, FrameKind.REQUEST, 1, 10, longer), "leaves 2 of");
    }

    @Test
    void aFirstFrameThatIsNotHelloIsRefused() {
        assertRejected(false, codec.encode(ALLOC, FrameKind.REQUEST, 1, new Ping("early")),
                "REQUEST frame before the handshake completed (expected: HELLO)");
    }

    @Test
    void aClassNameInThePayloadIsRefusedWithoutLoadingIt() {
        // Bag's list slot holds a class reference; id 1 means "class by name" in Kryo's format.
        byte[] name = "java.util.concurrent.ThreadPoolExecutor".getBytes(StandardCharsets.US_ASCII);
        byte[] payload = new byte[3 + name.length];
        payload[0] = 1;
        payload[1] = 0;
        payload[2] = (byte) name.length;
        System.arraycopy(name, 0, payload, 3, name.length);
        assertRejected(true, frame(V, FrameKind.REQUEST, 1, 17, payload), "class names are not accepted");
    }

    @Test
    void anUnregisteredClassIdIsRefused() {
        assertRejected(true, frame(V, FrameKind.REQUEST, 1, 17, bytes(0x7f)), "unregistered class ID");
    }

    @Test
    void aHugeAnnouncedLengthIsRefusedWithoutAllocatingIt() {
        // A byte[] of 2^31-1 bytes, announced in a 7-byte payload.
        assertRejected(true, frame(V, FrameKind.REQUEST, 1, 14, bytes(1, 0xff, 0xff, 0xff, 0xff, 0x07)),
                "byte array length 2147483647 exceeds");
        logs.close();
        try (LogCapture more = new LogCapture("io.kvorum.transport")) {
            // A list of 2^31-1 elements (ArrayList is Kryo id 13, written as 15).
            EmbeddedChannel ch = channel(true);
            ch.writeInbound(frame(V, FrameKind.REQUEST, 1, 17, bytes(15, 0xff, 0xff, 0xff, 0xff, 0x07)));
            assertThat(ch.isOpen()).isFalse();
            assertThat(more.warningsContaining("list length 2147483647 exceeds")).hasSize(1);
        }
    }

    @Test
    void deepNestingIsRefusedWithoutOverflowingTheStack() {
        // ArrayList of one ArrayList of one ... 20,000 deep.
        byte[] payload = new byte[40_001];
        for (int i = 0; i < 40_000; i += 2) {
            payload[i] = 15;
            payload[i + 1] = 1;
        }
        assertRejected(true, frame(V, FrameKind.REQUEST, 1, 17, payload), "Max depth exceeded");
    }

    @Test
    void aRecordThatFailsItsOwnValidationIsRefused() {
        // A Dot with counter 0 inside a Carrier would be rejected by Dot's constructor; simplest: a
        // Failure with an out-of-range kind.
        assertRejected(true, frame(V, FrameKind.FAILURE, 1, 0, bytes(40, 0, 0, 0)), "failure kind 40");
    }

    @Test
    void randomGarbageNeverThrowsAndNeverReachesTheNextHandler() {
        long seed = 20240601L;
        Random random = new Random(seed);
        for (int i = 0; i < 300; i++) {
            byte[] garbage = new byte[1 + random.nextInt(3000)];
            random.nextBytes(garbage);
            EmbeddedChannel ch = channel(random.nextBoolean(), sharedRejectLog);
            ch.writeInbound(Unpooled.wrappedBuffer(garbage));
            ch.checkException();
            assertThat((Frame) ch.readInbound()).as("seed %d, case %d", seed, i).isNull();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void randomPayloadsBehindValidHeadersYieldOnlyValidMessagesOrARejection() {
        long seed = 77L;
        Random random = new Random(seed);
        int[] typeIds = {1, 10, 11, 12, 13, 14, 15, 16, 17};
        int rejected = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] payload = new byte[random.nextInt(64)];
            random.nextBytes(payload);
            int typeId = typeIds[random.nextInt(typeIds.length)];
            EmbeddedChannel ch = channel(true, sharedRejectLog);
            ch.writeInbound(frame(V, FrameKind.REQUEST, i, typeId, payload));
            ch.checkException();
            Frame f = ch.readInbound();
            if (f == null) {
                assertThat(ch.isOpen()).as("seed %d, case %d", seed, i).isFalse();
                rejected++;
            } else {
                assertThat(f.body().getClass()).isEqualTo(codec.types().typeOf(typeId));
            }
            ch.finishAndReleaseAll();
        }
        assertThat(rejected).isGreaterThan(2500);
    }

    @Test
    void collectionsComeBackUsable() {
        List<Object> mutable = new ArrayList<>(List.of(1L, "two", new Note(3)));
        Bag back = (Bag) roundTrip(FrameKind.REQUEST, 1, new Bag(mutable)).body();
        assertThat(back.items()).isEqualTo(mutable).isInstanceOf(ArrayList.class);
        Bag immutable = (Bag) roundTrip(FrameKind.REQUEST, 1, new Bag(List.of(1, 2))).body();
        @SuppressWarnings("unchecked")
        List<Object> items = (List<Object>) immutable.items();
        assertThat(items).containsExactly(1, 2);
        assertThatThrownBy(() -> items.add(3))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
