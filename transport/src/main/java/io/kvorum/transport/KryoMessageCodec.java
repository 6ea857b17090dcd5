package io.kvorum.transport;

import io.kvorum.core.Checks;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Failure;
import io.kvorum.core.Message;
import io.kvorum.core.MessageCodec;
import io.kvorum.core.MessageTypes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * The {@link MessageCodec} of the real bus: a message becomes the very frame
 * {@link NettyMessageBus} would write for it ({@link WireCodec}, Kryo with registered classes only),
 * length prefix and header included, and is read back as the bus's frame decoder reads it.
 *
 * <p>Why it exists: the simulated network ({@code sim}) cannot see Kryo, and without it a message
 * that carries an unregistered class, or one too large for a frame, works in every simulation and
 * fails only on a real wire. Handing this codec to the simulated network makes it fail there first.
 * A {@link Failure} travels as a FAILURE frame, as the bus sends a handler's error; every other
 * message as a ONE_WAY frame (requests and responses share its typeId and payload, and only the
 * correlation id, which the simulated bus keeps itself, differs).
 *
 * <p>Thread-safe, as {@link WireCodec} is.
 */
public final class KryoMessageCodec implements MessageCodec {
    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);

    private final WireCodec codec;

    private KryoMessageCodec(WireCodec codec) {
        this.codec = codec;
    }

    /** The codec of a bus over {@code types} with the default maximum frame size (16 MiB). */
    public static KryoMessageCodec of(MessageTypes types) {
        return new KryoMessageCodec(new WireCodec(types, WireCodec.DEFAULT_MAX_FRAME_BYTES));
    }

    /** The codec of a bus over {@code types} built with {@code maxFrameBytes}. */
    public static KryoMessageCodec of(MessageTypes types, int maxFrameBytes) {
        return new KryoMessageCodec(new WireCodec(types, BuilderChecks.checkMaxFrameBytes(maxFrameBytes)));
    }

    /**
     * @throws IllegalArgumentException for a class not registered, or one Kryo cannot write inside it
     * @throws io.kvorum.core.SizeLimitExceededException above the maximum frame size
     */
    @Override
    public byte[] encode(Message message) {
        Checks.require(message != null, "message", null, "non-null");
        int kind = message instanceof Failure ? FrameKind.FAILURE : FrameKind.ONE_WAY;
        ByteBuf frame = codec.encode(HEAP, kind, 0, message);
        try {
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    /** @throws CorruptDataException for bytes that are not a frame of a registered message */
    @Override
    public Message decode(byte[] bytes) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            int end = bytes.length;
            if (end < WireCodec.LENGTH_FIELD_BYTES + WireCodec.MIN_FRAME_BYTES
                    || in.getUnsignedInt(0) != end - WireCodec.LENGTH_FIELD_BYTES) {
                throw new WireFormatException("frame of " + end + " bytes does not match its length field");
            }
            Frame frame = FrameDecoder.decodeFrame(codec, in, WireCodec.LENGTH_FIELD_BYTES, end, false);
            if (frame.kind() != FrameKind.ONE_WAY && frame.kind() != FrameKind.FAILURE) {
                throw new WireFormatException("frame kind " + FrameKind.name(frame.kind())
                        + " (expected: ONE_WAY or FAILURE)");
            }
            return (Message) frame.body();
        } catch (WireFormatException e) {
            throw new CorruptDataException("not a message frame: " + e.getMessage(), e);
        } finally {
            in.release();
        }
    }
}
