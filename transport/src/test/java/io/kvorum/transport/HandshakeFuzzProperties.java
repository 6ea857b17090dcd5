package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Hostile bytes against the handshake, the one part of either port that anyone who can connect may
 * feed before proving anything: whatever arrives while only HELLO frames may pass decodes to a
 * handshake record or is refused with a {@link WireFormatException}, never another exception; and
 * what decodes has one canonical encoding. Inputs are random bytes and real frames of every
 * handshake record (node hello, server and client hello, challenge, proof) with bytes flipped, cut
 * short or spliced. {@code -Pfuzz} raises the tries, as for the message codecs.
 */
class HandshakeFuzzProperties {
    private static final WireCodec CODEC = new WireCodec(TestMessages.types(), WireCodec.DEFAULT_MAX_FRAME_BYTES);
    private static final List<byte[]> FRAMES = frames();

    @Property
    void handshakeBytesDecodeToAHelloOrARefusal(@ForAll("inputs") byte[] bytes) {
        Frame frame;
        try {
            frame = decode(bytes);
        } catch (WireFormatException refused) {
            return;
        }
        assertThat(frame.kind()).isEqualTo(FrameKind.HELLO);
        byte[] canonical = encode(frame.body());
        assertThat(encode(decode(canonical).body())).isEqualTo(canonical);
    }

    private static Frame decode(byte[] bytes) {
        if (bytes.length < WireCodec.LENGTH_FIELD_BYTES + WireCodec.MIN_FRAME_BYTES
                || Unpooled.wrappedBuffer(bytes).getUnsignedInt(0) != bytes.length - WireCodec.LENGTH_FIELD_BYTES) {
            throw new WireFormatException("frame of " + bytes.length + " bytes does not match its length field");
        }
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            return FrameDecoder.decodeFrame(CODEC, in, WireCodec.LENGTH_FIELD_BYTES, bytes.length, true);
        } finally {
            in.release();
        }
    }

    private static byte[] encode(Object hello) {
        ByteBuf frame = CODEC.encode(UnpooledByteBufAllocator.DEFAULT, FrameKind.HELLO, 0, hello);
        try {
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    @Provide
    Arbitrary<byte[]> inputs() {
        Arbitrary<byte[]> frame = Arbitraries.of(FRAMES);
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(256);
        Arbitrary<byte[]> flipped = Combinators.combine(frame, Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.bytes().filter(b -> b != 0)).as((f, at, mask) -> {
                    byte[] copy = f.clone();
                    copy[at % copy.length] ^= mask;
                    return copy;
                });
        Arbitrary<byte[]> cut = Combinators.combine(frame, Arbitraries.integers().between(0, 1 << 20))
                .as((f, at) -> Arrays.copyOf(f, at % f.length));
        Arbitrary<byte[]> spliced = Combinators.combine(frame, frame, Arbitraries.integers().between(0, 1 << 20))
                .as((a, b, at) -> {
                    byte[] out = a.clone();
                    int from = at % a.length;
                    System.arraycopy(b, 0, out, from, Math.min(b.length, a.length - from));
                    return out;
                });
        return Arbitraries.frequencyOf(Tuple.of(1, random), Tuple.of(3, flipped), Tuple.of(1, cut),
                Tuple.of(1, spliced));
    }

    private static List<byte[]> frames() {
        int v = WireCodec.PROTOCOL_VERSION;
        List<Object> hellos = List.of(
                new Hello(1, "kvorum", v, 7, "127.0.0.1", 7100, HandshakeProof.nonce(), HandshakeProof.none()),
                new Hello(2, "kvorum", v, 7, "127.0.0.1", 7100, HandshakeProof.nonce(), new byte[32]),
                new ServerHello(v, "kvorum node 00000000000000ab", HandshakeProof.nonce(), true),
                new ClientHello(v, "kvorum-java", "app"),
                new ClientHello(v, "kvorum-cli", null),
                new AuthChallenge(new byte[StoredCredential.SALT_BYTES], StoredCredential.DEFAULT_ITERATIONS),
                new ClientProof(new byte[32]));
        List<byte[]> frames = new ArrayList<>();
        for (Object h : hellos) {
            frames.add(encode(h));
        }
        return frames;
    }
}
