package io.kvorum.transport;

import io.kvorum.core.RateLimitedLog;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.List;

/**
 * Cuts the byte stream into frames and decodes each into a {@link Frame}; the first stage of every
 * Kvorum pipeline, and its gatekeeper.
 *
 * <p>Anything that is not a valid frame closes the connection with one reason line in the log:
 * a length of 0, below the 11-byte header or above maxFrameBytes (refused from the 4-byte prefix,
 * before any of the frame is buffered, so a peer cannot make the node hold more than one maximal
 * frame per connection), a wrong protocol version, an unknown kind or typeId, a payload Kryo cannot
 * read or that leaves bytes over. Until {@link #handshakeDone()} only HELLO frames pass, so an
 * unauthenticated peer cannot get a single message payload deserialised. After a rejection the
 * rest of the input is discarded unread. Nothing is thrown out of the pipeline and nothing invalid
 * reaches the next handler. Behind TLS, a failed TLS handshake is rejected the same way, with its
 * reason; on a plaintext port, a TLS handshake is rejected as such rather than as a huge frame.
 *
 * <p>Handlers close connections for their own protocol reasons through {@link #reject}, so that
 * every rejection is logged the same way, once.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private static final int TLS_HANDSHAKE = 22;
    private final WireCodec codec;
    private final RateLimitedLog rejectLog;
    private final String side;
    private final boolean logRejections;
    private ChannelHandlerContext ctx;
    private boolean handshakeOnly = true;
    private String rejectReason;

    /**
     * @param side names this end in log lines, e.g. "node 00000000000000ab" or "client server"
     */
    FrameDecoder(WireCodec codec, RateLimitedLog rejectLog, String side) {
        this(codec, rejectLog, side, true);
    }

    /**
     * @param logRejections false when the connection's owner reports {@link #rejectReason()} itself
     *     (a peer link logs its first failure and stays quiet while it keeps retrying)
     */
    FrameDecoder(WireCodec codec, RateLimitedLog rejectLog, String side, boolean logRejections) {
        this.codec = codec;
        this.rejectLog = rejectLog;
        this.side = side;
        this.logRejections = logRejections;
    }

    /** Lets frames other than HELLO through: called once the handshake has succeeded. */
    void handshakeDone() {
        handshakeOnly = false;
    }

    /** Why this connection was rejected, or null. */
    String rejectReason() {
        return rejectReason;
    }

    /**
     * Closes the connection for {@code reason}, logged once (rate limited) with the remote address.
     * Later calls for the same connection do nothing.
     */
    void reject(String reason) {
        if (rejectReason != null) {
            return;
        }
        rejectReason = reason;
        if (logRejections) {
            rejectLog.warn(side + " closing connection with " + ctx.channel().remoteAddress() + ": " + reason);
        }
        ctx.channel().close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (rejectReason != null) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < WireCodec.LENGTH_FIELD_BYTES) {
            return;
        }
        if (handshakeOnly && isTlsRecord(in)) {
            reject(in.getUnsignedByte(in.readerIndex()) == TLS_HANDSHAKE
                    ? "the peer began a TLS handshake (expected: plaintext frames: TLS is off here)"
                    : "the peer speaks TLS (expected: plaintext frames: TLS is off here)");
            in.skipBytes(in.readableBytes());
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length == 0 || length > codec.maxFrameBytes()) {
            reject("frame length " + length + " (expected: 1.." + codec.maxFrameBytes() + ")");
            in.skipBytes(in.readableBytes());
            return;
        }
        if (length < WireCodec.MIN_FRAME_BYTES) {
            reject("frame of " + length + " bytes (expected: at least the " + WireCodec.MIN_FRAME_BYTES
                    + "-byte header)");
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < WireCodec.LENGTH_FIELD_BYTES + length) {
            return;
        }
        int start = in.readerIndex() + WireCodec.LENGTH_FIELD_BYTES;
        int end = start + (int) length;
        in.skipBytes(WireCodec.LENGTH_FIELD_BYTES + (int) length);
        try {
            out.add(decodeFrame(codec, in, start, end, handshakeOnly));
        } catch (WireFormatException e) {
            reject(e.getMessage());
            in.skipBytes(in.readableBytes());
        }
    }

    /**
     * A TLS record: content type 20..23 (change cipher spec, alert, handshake, application data),
     * major version 3. A Kvorum frame begins with its length instead, and a HELLO is never near the
     * 335 to 386 MB those two bytes would make it. A TLS end opens with a handshake record; a TLS
     * server answers plaintext with an alert.
     */
    private static boolean isTlsRecord(ByteBuf in) {
        int r = in.readerIndex();
        int type = in.getUnsignedByte(r);
        return type >= 20 && type <= 23 && in.getUnsignedByte(r + 1) == 3;
    }

    /**
     * The frame between {@code start} and {@code end} (after its length field), checked field by
     * field; also how the simulated bus's codec reads back the frames it writes.
     *
     * @param handshakeOnly whether only a HELLO may come yet
     * @throws WireFormatException naming the first field that is wrong
     */
    static Frame decodeFrame(WireCodec codec, ByteBuf in, int start, int end, boolean handshakeOnly) {
        int version = in.getUnsignedByte(start);
        if (version != WireCodec.PROTOCOL_VERSION) {
            throw new WireFormatException("protocol version " + version + " (expected: " + WireCodec.PROTOCOL_VERSION
                    + ")");
        }
        int kind = in.getUnsignedByte(start + 1);
        if (!FrameKind.isValid(kind)) {
            throw new WireFormatException("frame kind " + kind + " (expected: 1..5)");
        }
        if (handshakeOnly && kind != FrameKind.HELLO) {
            throw new WireFormatException(FrameKind.name(kind) + " frame before the handshake completed (expected: HELLO)");
        }
        long correlationId = in.getLong(start + 2);
        int pos = start + 10;
        int typeId = 0;
        for (int shift = 0; ; shift += 7) {
            if (pos == end || shift > 14) {
                throw new WireFormatException("typeId is not a varint of at most 3 bytes within the frame");
            }
            int b = in.getUnsignedByte(pos++);
            typeId |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        Object body = codec.decodePayload(kind, typeId, in, pos, end - pos);
        return new Frame(kind, correlationId, typeId, body);
    }

    /** A failed TLS handshake (a timeout, say) closes the connection with its reason, as a bad frame does. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        // A connection closed before its handshake ended also "fails" it; that is no news, as
        // with a plaintext connection closed before its HELLO.
        if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess() && ctx.channel().isActive()) {
            String reason = TlsConfig.describeFailure(done.cause());
            reject(reason != null ? reason : "TLS handshake failed: " + WireCodec.firstLine(done.cause()));
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String tls = TlsConfig.describeFailure(cause);
        if (tls != null) {
            reject(tls);
            return;
        }
        // Only a bug gets here (decode turns every bad input into a rejection), or an I/O error that
        // the connection's handler after us reports; either way the connection is not trusted further.
        if (!(cause instanceof java.io.IOException)) {
            reject("unexpected " + WireCodec.firstLine(cause));
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
