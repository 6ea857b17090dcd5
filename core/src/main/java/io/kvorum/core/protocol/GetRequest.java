package io.kvorum.core.protocol;

import io.kvorum.core.Consistency;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.ReadOptions;

/** A client's read of one key, with the read's own n, r and timeout. Answered by {@link GetResponse}. */
public record GetRequest(byte[] key, int n, String r, long timeoutMs) implements Message {

    public static GetRequest of(Key key, ReadOptions options) {
        return new GetRequest(key.toByteArray(), options.n(), options.r().toString(), options.timeoutMs());
    }

    public Key keyObject() {
        return Key.of(key);
    }

    /** The options as sent; throws IllegalArgumentException for malformed ones (a bad r, a negative n). */
    public ReadOptions options() {
        ReadOptions o = ReadOptions.quorum().r(Consistency.parse(r)).timeout(java.time.Duration.ofMillis(timeoutMs));
        return n == 0 ? o : o.n(n);
    }
}
