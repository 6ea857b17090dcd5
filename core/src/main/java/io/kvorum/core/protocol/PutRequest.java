package io.kvorum.core.protocol;

import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.WriteOptions;
import java.time.Duration;

/**
 * A client's write of one key: a value, or a delete when {@code value} is null. {@code context} is
 * the opaque causal context of an earlier read (empty for a blind write); the write supersedes
 * exactly what that read returned. Answered by {@link PutResponse}.
 */
public record PutRequest(byte[] key, byte[] value, byte[] context, int n, String w, long timeoutMs, boolean durable)
        implements Message {

    public static PutRequest of(Key key, byte[] value, byte[] context, WriteOptions options) {
        return new PutRequest(key.toByteArray(), value, context == null ? new byte[0] : context, options.n(),
                options.w().toString(), options.timeoutMs(), options.isDurable());
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
        return n == 0 ? o : o.n(n);
    }
}
