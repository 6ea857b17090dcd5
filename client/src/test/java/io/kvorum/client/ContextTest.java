package io.kvorum.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Actor;
import io.kvorum.core.ContextCodec;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContextTest {
    private static final Actor A = new Actor(new NodeId(0xab), 0);
    private static final Actor B = new Actor(new NodeId(0xcd), 2);
    private final Key key = Key.of("k");
    private final Context context = Context.of(List.of(
            Record.value(key, new Dot(A, 7), VersionVector.EMPTY, 1, new byte[] {1}),
            Record.value(key, new Dot(B, 3), VersionVector.of(new Dot(A, 5)), 1, new byte[] {2})));

    @Test
    void isTheJoinOfTheRecordsDotsAndContexts() {
        assertThat(ContextCodec.decode(context.toByteArray())).isEqualTo(VersionVector.of(new Dot(A, 7), new Dot(B, 3)));
        assertThat(Context.of(List.of())).isEqualTo(Context.empty());
        assertThat(Context.empty().isEmpty()).isTrue();
        assertThat(context.isEmpty()).isFalse();
    }

    @Test
    void base64RoundTripsAndNeedsNoQuotingInAShell() {
        String text = context.toBase64();

        assertThat(text).matches("[A-Za-z0-9_-]+");
        assertThat(Context.fromBase64(text)).isEqualTo(context).hasSameHashCodeAs(context);
        assertThat(Context.fromBase64("  " + text + "\n")).isEqualTo(context);
        assertThat(Context.fromBase64(Base64.getEncoder().encodeToString(context.toByteArray()))).isEqualTo(context);
        assertThat(Context.fromBytes(context.toByteArray())).isEqualTo(context);
        assertThat(Context.fromBase64(Context.empty().toBase64())).isEqualTo(Context.empty());
    }

    @Test
    void garbageIsRejectedWithAClearMessage() {
        assertThatThrownBy(() -> Context.fromBase64("not base64 at all!")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("context: 'not base64 at all!' is not base64");
        String truncated = context.toBase64().substring(0, context.toBase64().length() - 3);
        assertThatThrownBy(() -> Context.fromBase64(truncated)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a context a read returned");
        assertThatThrownBy(() -> Context.fromBase64("AAAAAAAAAAAA")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checksum mismatch");
        assertThatThrownBy(() -> Context.fromBase64(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("context: ''");
        assertThatThrownBy(() -> Context.fromBytes(new byte[] {1, 2})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void isImmutable() {
        byte[] bytes = context.toByteArray();
        bytes[1] ^= 1;

        assertThat(context.toByteArray()).isNotEqualTo(bytes);
        assertThat(Context.fromBase64(context.toBase64())).isEqualTo(context);
    }
}
