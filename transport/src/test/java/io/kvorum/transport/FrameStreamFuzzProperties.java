package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.Message;
import io.kvorum.core.RateLimitedLog;
import io.kvorum.transport.TestMessages.Blob;
import io.kvorum.transport.TestMessages.Note;
import io.kvorum.transport.TestMessages.Ping;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.slf4j.LoggerFactory;

/**
 * The byte stream as both ports read it: the {@link FrameDecoder} a real pipeline has, fed in
 * arbitrary pieces, as TCP may deliver them (issue 9; {@code WireFuzzProperties} in node covers the
 * payload codecs of both ports' message types, this covers cutting the stream into frames).
 *
 * <p>Laws: valid frames come out whole and in order however the stream is split; hostile streams
 * (flipped, cut, spliced or giant-length bytes, before and after the handshake) never throw out of
 * the pipeline, never yield anything but whole frames, close the connection once rejected, and
 * leave no input buffer unreleased. {@code -Pfuzz} runs two million tries of the hostile ones.
 */
class FrameStreamFuzzProperties {
    private static final int MAX_FRAME_BYTES = 64 * 1024;
    private static final WireCodec CODEC = new WireCodec(TestMessages.types(), MAX_FRAME_BYTES);
    private static final RateLimitedLog QUIET = RateLimitedLog.standard(LoggerFactory.getLogger("fuzz"));

    /** A law rather than a fuzz target: the fuzz profile's millions of tries go to the hostile streams. */
    @Property(tries = 1000)
    void validFramesComeOutWholeAndInOrderHoweverTheStreamIsSplit(
            @ForAll("messageLists") List<Message> messages,
            @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 1 << 16) Integer> cuts) {
        byte[] stream = encode(messages, FrameKind.REQUEST);
        Fed fed = feed(stream, cuts, true);

        assertThat(fed.error).isNull();
        assertThat(fed.channelOpen).isTrue();
        assertThat(fed.frames).extracting(Frame::body).usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(messages);
        assertThat(fed.allReleased).isTrue();
    }

    @Property
    void hostileStreamsAreRefusedCleanly(@ForAll("hostile") byte[] stream,
                                         @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 1 << 16) Integer> cuts,
                                         @ForAll boolean beforeHandshake) {
        Fed fed = feed(stream, cuts, !beforeHandshake);

        assertThat(fed.error).as("nothing is thrown out of the pipeline").isNull();
        assertThat(fed.frames).allSatisfy(f -> {
            assertThat(FrameKind.isValid(f.kind())).isTrue();
            if (beforeHandshake) {
                assertThat(f.kind()).as("only HELLO passes before the handshake").isEqualTo(FrameKind.HELLO);
            }
        });
        if (fed.rejectReason != null) {
            assertThat(fed.channelOpen).as("a rejected connection is closed").isFalse();
        }
        assertThat(fed.allReleased).as("every input buffer released").isTrue();
    }

    @Property
    void aGiantLengthIsRefusedFromItsPrefixAlone(@ForAll @IntRange(min = MAX_FRAME_BYTES + 1) int length) {
        ByteBuf prefix = Unpooled.buffer(4).writeInt(length);
        EmbeddedChannel channel = channel(true);
        channel.writeInbound(prefix);

        assertThat(channel.isOpen()).isFalse();
        assertThat(prefix.refCnt()).isZero();
        assertThat((Object) channel.readInbound()).isNull();
        channel.finishAndReleaseAll();
    }

    @Provide
    Arbitrary<List<Message>> messageLists() {
        return messages().list().ofMinSize(1).ofMaxSize(20);
    }

    private static Arbitrary<Message> messages() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(200).map(s -> (Message) new Ping(s)),
                Arbitraries.integers().map(n -> (Message) new Note(n)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(2_000).map(b -> (Message) new Blob(b)));
    }

    @Provide
    Arbitrary<byte[]> hostile() {
        Arbitrary<byte[]> valid = messages().list().ofMinSize(1).ofMaxSize(5)
                .map(ms -> encode(ms, FrameKind.REQUEST));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
        Arbitrary<byte[]> flipped = Combinators.combine(valid, Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.bytes().filter(b -> b != 0)).as((s, at, mask) -> {
                    byte[] copy = s.clone();
                    copy[at % copy.length] ^= mask;
                    return copy;
                });
        Arbitrary<byte[]> cut = Combinators.combine(valid, Arbitraries.integers().between(0, 1 << 20))
                .as((s, at) -> java.util.Arrays.copyOf(s, at % s.length));
        Arbitrary<byte[]> spliced = Combinators.combine(valid, random, Arbitraries.integers().between(0, 1 << 20))
                .as((s, junk, at) -> {
                    int from = at % s.length;
                    byte[] out = new byte[s.length + junk.length];
                    System.arraycopy(s, 0, out, 0, from);
                    System.arraycopy(junk, 0, out, from, junk.length);
                    System.arraycopy(s, from, out, from + junk.length, s.length - from);
                    return out;
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, random), net.jqwik.api.Tuple.of(3, flipped),
                net.jqwik.api.Tuple.of(1, cut), net.jqwik.api.Tuple.of(2, spliced));
    }

    private static byte[] encode(List<Message> messages, int kind) {
        ByteBuf all = Unpooled.buffer();
        long id = 1;
        for (Message m : messages) {
            ByteBuf frame = CODEC.encode(ByteBufAllocator.DEFAULT, kind, id++, m);
            all.writeBytes(frame);
            frame.release();
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        return bytes;
    }

    private record Fed(List<Frame> frames, Throwable error, boolean channelOpen, String rejectReason,
                       boolean allReleased) {
    }

    /** Feeds {@code stream} split at {@code cuts} (taken modulo its length) into a fresh pipeline. */
    private static Fed feed(byte[] stream, List<Integer> cuts, boolean handshakeDone) {
        List<Integer> points = new ArrayList<>();
        for (int c : cuts) {
            if (stream.length > 0) {
                points.add(c % stream.length);
            }
        }
        points.add(stream.length);
        points.sort(Integer::compare);
        EmbeddedChannel channel = channel(handshakeDone);
        FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
        List<ByteBuf> pieces = new ArrayList<>();
        List<Frame> frames = new ArrayList<>();
        Throwable error = null;
        int from = 0;
        try {
            for (int to : points) {
                // A closed socket reads nothing more.
                if (to > from && channel.isOpen()) {
                    ByteBuf piece = Unpooled.copiedBuffer(stream, from, to - from);
                    pieces.add(piece);
                    channel.writeInbound(piece);
                    from = to;
                }
            }
            channel.checkException();
        } catch (Throwable e) {
            error = e;
        }
        for (Object o = channel.readInbound(); o != null; o = channel.readInbound()) {
            frames.add((Frame) o);
        }
        boolean open = channel.isOpen();
        String reason = decoder == null ? null : decoder.rejectReason();
        channel.finishAndReleaseAll();
        boolean released = pieces.stream().allMatch(b -> b.refCnt() == 0);
        return new Fed(frames, error, open, reason, released);
    }

    private static EmbeddedChannel channel(boolean handshakeDone) {
        FrameDecoder decoder = new FrameDecoder(CODEC, QUIET, "fuzz", false);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        if (handshakeDone) {
            decoder.handshakeDone();
        }
        return channel;
    }
}
