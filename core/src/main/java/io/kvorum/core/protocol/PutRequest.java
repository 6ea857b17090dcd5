package io.kvorum.core.protocol;

import io.kvorum.core.Consistency;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.WriteOptions;
import java.time.Duration;

/**
 * A client's write of one key: a value, or a delete when {@code value} is null. {@code context} is
 * the opaque causal context of an earlier read (empty for a blind write); the write supersedes
 * exactly what that read returned. Answered by {@link PutResponse}.
 *
 * @param sloppy {@link #SLOPPY_NODE_DEFAULT}, {@link #SLOPPY} or {@link #STRICT}
 */
public record PutRequest(byte[] key, byte[] value, byte[] context, int n, String w, long timeoutMs, boolean durable,
                         byte sloppy) implements Message {
    public static final byte SLOPPY_NODE_DEFAULT = 0;
    public static final byte SLOPPY = 1;
    public static final byte STRICT = 2;

    public static PutRequest of(Key key, byte[] value, byte[] context, WriteOptions options) {
        Boolean sloppy = options.sloppy();
        return new PutRequest(key.toByteArray(), value, context == null ? new byte[0] : context, options.n(),
                options.w().toString(), options.timeoutMs(), options.isDurable(),
                sloppy == null ? SLOPPY_NODE_DEFAULT : sloppy ? SLOPPY : STRICT);
    }

    public Key keyObject() {
        return Key.of(key);
    }

    public boolean isDelete() {
        return value == null;
    }

    public WriteOptions options() {
        WriteOptions o = WriteOptions.quorum().w(Consistency.parse(w)).timeout(Duration.ofMillis(timeoutMs))
                .durable(durable);
        o = switch (sloppy) {
            case SLOPPY_NODE_DEFAULT -> o;
            case SLOPPY -> o.sloppy(true);
            case STRICT -> o.sloppy(false);
            default -> throw new InvalidRequestException("sloppy: " + sloppy + " (expected: " + SLOPPY_NODE_DEFAULT
                    + " for the node's default, " + SLOPPY + " for sloppy, " + STRICT + " for strict)");
        };
        return n == 0 ? o : o.n(n);
    }
}
