package io.kvorum.client;

import io.kvorum.core.Causality;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.KvorumException;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Objects;

/**
 * The causal context of a read, handed back with the next write of the same key: the write then
 * supersedes exactly the values that read returned, and nothing written since, which stays as a
 * sibling instead of being silently lost.
 *
 * <p>Opaque on purpose: it is the bytes of {@link ContextCodec} (a version vector under a
 * checksum), and an application only stores it, passes it on, or prints it. {@link #toBase64()}
 * and {@link #fromBase64} carry it through text (the command line, an HTTP header, a form field);
 * {@link #fromBase64} and {@link #fromBytes} check the checksum, so a truncated copy-paste fails
 * here with a clear message rather than at the server or, worse, by superseding the wrong values.
 *
 * <p>Immutable; equal when the bytes are.
 */
public final class Context {
    private static final Context EMPTY = new Context(ContextCodec.encode(VersionVector.EMPTY));

    private final byte[] bytes;

    private Context(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The context of a blind write: it supersedes nothing, so the write becomes a sibling of any value. */
    public static Context empty() {
        return EMPTY;
    }

    /**
     * A context from bytes an earlier {@link #toByteArray()} returned.
     *
     * @throws IllegalArgumentException when they are not a context (truncated, altered, another format)
     */
    public static Context fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        byte[] copy = bytes.clone();
        check(copy, bytes.length + " bytes");
        return new Context(copy);
    }

    /**
     * A context from the text {@link #toBase64()} made. Accepts the URL-safe alphabet that
     * {@code toBase64} writes and the standard one, with or without padding.
     *
     * @throws IllegalArgumentException when the text is not the base64 of a context
     */
    public static Context fromBase64(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("context: '' (expected: the base64 text of a context a read returned)");
        }
        byte[] decoded;
        try {
            decoded = Base64.getUrlDecoder().decode(t.replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("context: '" + abbreviate(t) + "' is not base64 (" + e.getMessage()
                    + "; expected: the text a read printed after 'context:')", e);
        }
        check(decoded, "'" + abbreviate(t) + "'");
        return new Context(decoded);
    }

    /** What a reader of {@code records} (a key's surviving records, tombstones included) writes back with. */
    static Context of(Collection<Record> records) {
        return records.isEmpty() ? EMPTY : new Context(ContextCodec.encode(Causality.join(records)));
    }

    /**
     * Adopts bytes a server sent. They are checked like any others: a context mangled on the way
     * would otherwise surface only at the next write, far from its cause.
     *
     * @throws KvorumException when they are not a context
     */
    static Context fromServer(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return EMPTY;
        }
        try {
            check(bytes, "from the server (" + bytes.length + " bytes)");
        } catch (IllegalArgumentException e) {
            throw new KvorumException("the server answered with a malformed " + e.getMessage(), e);
        }
        return new Context(bytes);
    }

    /** The bytes, for {@link io.kvorum.core.protocol.PutRequest}; shared, not to be modified. */
    byte[] bytes() {
        return bytes;
    }

    /** A copy of the bytes, to store the context somewhere and {@link #fromBytes} it later. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** URL-safe base64 without padding: no character a shell, a URL or a header needs quoted. */
    public String toBase64() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** True for the context of a blind write, which covers nothing. */
    public boolean isEmpty() {
        return equals(EMPTY);
    }

    private static void check(byte[] bytes, String what) {
        try {
            ContextCodec.decode(bytes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("context: " + what + " is not a context a read returned ("
                    + e.getMessage() + ")", e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Context c && Arrays.equals(bytes, c.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Context[" + toBase64() + "]";
    }
}
