package io.kvorum.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.KryoBufferOverflowException;
import com.esotericsoftware.kryo.io.Output;
import io.kvorum.core.Checks;
import io.kvorum.core.Failure;
import io.kvorum.core.Message;
import io.kvorum.core.MessageTypes;
import io.kvorum.core.SizeLimitExceededException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The frame format of every Kvorum connection, node to node and client to node, and its Kryo
 * payload codec.
 *
 * <pre>
 * frame   := u32 length           -- bytes after this field: 11..maxFrameBytes (default 16 MiB)
 *            u8  protocolVersion  -- 2 (1 had the client handshake before hashed passwords)
 *            u8  kind             -- 1 HELLO | 2 ONE_WAY | 3 REQUEST | 4 RESPONSE | 5 FAILURE
 *            i64 correlationId    -- pairs a RESPONSE or FAILURE with its REQUEST; 0 otherwise
 *            varint typeId        -- unsigned LEB128, at most 3 bytes
 *            payload              -- the rest of the frame: Kryo bytes of one object
 *
 * typeId  := for ONE_WAY, REQUEST, RESPONSE: the id MessageTypes gives the payload's class
 *            for HELLO: 1 node Hello | 2 ServerHello | 3 ClientHello | 4 AuthChallenge | 5 ClientProof
 *                       (transport-owned records)
 *            for FAILURE: 0, and the payload is an io.kvorum.core.Failure
 * </pre>
 * Integers in the header are big-endian (network order). The payload is Kryo 5 with registered
 * classes only ({@link WireTypes}): records as their components in name order, core values in their
 * own encodings ({@link CoreSerializers}). A frame is at least 11 bytes (an empty record has an
 * empty payload); the length is checked before anything of the frame is buffered.
 *
 * <p>Thread-safe: encoding and decoding may run on any thread; each thread gets its own Kryo,
 * because Kryo instances are not thread-safe and building one per call costs more than a frame.
 */
final class WireCodec {
    /**
     * 2 since the client handshake proves hashed passwords ({@link Scram}): its hello records
     * changed shape, and the version is what every frame carries first, so a peer of the other
     * version is refused with "protocol version 1 (expected: 2)" rather than a garbled hello.
     */
    static final int PROTOCOL_VERSION = 2;
    static final int LENGTH_FIELD_BYTES = 4;
    /** version, kind, correlationId and a one-byte typeId. */
    static final int MIN_FRAME_BYTES = 1 + 1 + 8 + 1;
    static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
    /** Per-thread buffers above this are dropped after use, so one large message does not pin memory. */
    private static final int KEEP_BUFFER_BYTES = 256 << 10;
    private static final int INITIAL_BUFFER_BYTES = 4 << 10;
    private static final byte[] NO_BYTES = new byte[0];

    private final WireTypes wireTypes;
    private final MessageTypes types;
    private final int maxFrameBytes;
    private final ThreadLocal<PerThread> perThread;

    WireCodec(MessageTypes types, int maxFrameBytes) {
        Checks.require(maxFrameBytes >= 64, "maxFrameBytes", maxFrameBytes, ">= 64");
        this.wireTypes = new WireTypes(types);
        this.types = types;
        this.maxFrameBytes = maxFrameBytes;
        this.perThread = ThreadLocal.withInitial(() -> new PerThread(wireTypes.newKryo(), maxFrameBytes));
    }

    int maxFrameBytes() {
        return maxFrameBytes;
    }

    MessageTypes types() {
        return types;
    }

    /** True when {@code message}'s class has a message id. */
    boolean isRegistered(Message message) {
        return types.idOf(message.getClass()) >= 0;
    }

    /**
     * Encodes one frame, length prefix included, into a new buffer from {@code alloc}.
     *
     * @throws SizeLimitExceededException when the frame would exceed maxFrameBytes
     * @throws IllegalArgumentException when the body's class, or a class inside it, is not registered
     */
    ByteBuf encode(ByteBufAllocator alloc, int kind, long correlationId, Object body) {
        int typeId = typeIdOf(kind, body);
        PerThread t = perThread.get();
        Output out = t.output;
        out.reset();
        try {
            t.kryo.writeObject(out, body);
        } catch (KryoBufferOverflowException e) {
            t.shrink();
            throw tooLarge(body, (long) maxFrameBytes + 1);
        } catch (KryoException | IllegalArgumentException e) {
            t.shrink();
            throw new IllegalArgumentException(body.getClass().getName() + " cannot be encoded: " + firstLine(e), e);
        }
        int payloadBytes = out.position();
        int frameBytes = 1 + 1 + 8 + varIntSize(typeId) + payloadBytes;
        if (frameBytes > maxFrameBytes) {
            t.shrink();
            throw tooLarge(body, frameBytes);
        }
        ByteBuf buf = alloc.buffer(LENGTH_FIELD_BYTES + frameBytes);
        buf.writeInt(frameBytes);
        buf.writeByte(PROTOCOL_VERSION);
        buf.writeByte(kind);
        buf.writeLong(correlationId);
        writeVarInt(buf, typeId);
        buf.writeBytes(out.getBuffer(), 0, payloadBytes);
        t.shrink();
        return buf;
    }

    /**
     * Reads the payload at {@code buf[from, from + length)} as the class that {@code kind} and
     * {@code typeId} name.
     *
     * @throws WireFormatException for an unknown typeId, an unreadable payload or bytes left over
     */
    Object decodePayload(int kind, int typeId, ByteBuf buf, int from, int length) {
        Class<?> type = payloadType(kind, typeId);
        PerThread t = perThread.get();
        byte[] array;
        int offset;
        if (buf.hasArray()) {
            array = buf.array();
            offset = buf.arrayOffset() + from;
        } else {
            array = t.scratch(length);
            offset = 0;
            buf.getBytes(from, array, 0, length);
        }
        Input in = t.input;
        in.setBuffer(array, offset, length);
        try {
            Object body = t.kryo.readObject(in, type);
            int left = offset + length - in.position();
            if (left != 0) {
                throw new WireFormatException(FrameKind.name(kind) + " payload " + type.getSimpleName() + " leaves "
                        + left + " of " + length + " bytes unread");
            }
            return body;
        } catch (WireFormatException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // Kryo, and the constructors it calls, fail on garbage with many exception types; each is
            // the same verdict: this payload is not a valid type.
            throw new WireFormatException(FrameKind.name(kind) + " payload of " + length + " bytes is not a valid "
                    + type.getSimpleName() + ": " + firstLine(e));
        } finally {
            in.setBuffer(NO_BYTES);
        }
    }

    private Class<?> payloadType(int kind, int typeId) {
        Class<?> type = switch (kind) {
            case FrameKind.HELLO -> WireTypes.helloType(typeId);
            case FrameKind.FAILURE -> typeId == WireTypes.FAILURE_TYPE_ID ? Failure.class : null;
            default -> types.typeOf(typeId);
        };
        if (type == null) {
            throw new WireFormatException(FrameKind.name(kind) + " frame names unknown typeId " + typeId);
        }
        return type;
    }

    private int typeIdOf(int kind, Object body) {
        switch (kind) {
            case FrameKind.HELLO:
                return WireTypes.helloTypeId(body);
            case FrameKind.FAILURE:
                Checks.require(body instanceof Failure, "FAILURE body", body.getClass().getName(), "a Failure");
                return WireTypes.FAILURE_TYPE_ID;
            case FrameKind.ONE_WAY:
            case FrameKind.REQUEST:
            case FrameKind.RESPONSE:
                int id = types.idOf(body.getClass());
                Checks.require(id >= 0, "message type", body.getClass().getName(), "a class registered in MessageTypes");
                return id;
            default:
                throw new IllegalArgumentException("frame kind: " + kind + " (expected: 1..5)");
        }
    }

    private SizeLimitExceededException tooLarge(Object body, long frameBytes) {
        return new SizeLimitExceededException("frame of " + body.getClass().getSimpleName(), frameBytes, maxFrameBytes,
                "maxFrameBytes");
    }

    static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root
                && (root instanceof KryoException || root.getMessage() == null)) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    static int varIntSize(int v) {
        int size = 1;
        while ((v & ~0x7f) != 0) {
            v >>>= 7;
            size++;
        }
        return size;
    }

    static void writeVarInt(ByteBuf buf, int v) {
        while ((v & ~0x7f) != 0) {
            buf.writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf.writeByte(v);
    }

    /** One thread's Kryo and buffers. */
    private static final class PerThread {
        final Kryo kryo;
        final Input input = new Input();
        final Output output;
        final int maxFrameBytes;
        byte[] scratch = new byte[INITIAL_BUFFER_BYTES];

        PerThread(Kryo kryo, int maxFrameBytes) {
            this.kryo = kryo;
            this.maxFrameBytes = maxFrameBytes;
            this.output = new Output(Math.min(INITIAL_BUFFER_BYTES, maxFrameBytes), maxFrameBytes);
        }

        byte[] scratch(int length) {
            if (length <= scratch.length) {
                return scratch;
            }
            byte[] b = new byte[length];
            if (length <= KEEP_BUFFER_BYTES) {
                scratch = b;
            }
            return b;
        }

        void shrink() {
            if (output.getBuffer().length > KEEP_BUFFER_BYTES) {
                output.setBuffer(new byte[INITIAL_BUFFER_BYTES], maxFrameBytes);
            }
        }
    }
}
