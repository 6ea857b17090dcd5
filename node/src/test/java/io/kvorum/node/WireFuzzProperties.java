package io.kvorum.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.coordinator.CoordinatorMessages.ReplicaRead;
import io.kvorum.coordinator.CoordinatorMessages.ReplicaWrite;
import io.kvorum.core.Actor;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Dot;
import io.kvorum.core.Failure;
import io.kvorum.core.Key;
import io.kvorum.core.Message;
import io.kvorum.core.MessageCodec;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.ReadOptions;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import io.kvorum.core.WriteOptions;
import io.kvorum.core.protocol.AdminMessages;
import io.kvorum.core.protocol.ClientMessages;
import io.kvorum.core.protocol.GetRequest;
import io.kvorum.core.protocol.PutRequest;
import io.kvorum.gossip.AppState;
import io.kvorum.gossip.GossipMessages.Digest;
import io.kvorum.gossip.GossipMessages.EndpointDelta;
import io.kvorum.gossip.GossipMessages.GossipAck;
import io.kvorum.gossip.GossipMessages.GossipSyn;
import io.kvorum.gossip.GossipMessages.StateEntry;
import io.kvorum.streaming.StreamMessages.StreamChunk;
import io.kvorum.transport.KryoMessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile bytes against the codecs of both ports (issue 9): whatever arrives, decoding gives a
 * message or a {@link CorruptDataException}, never another exception, and what decodes has a
 * canonical encoding that decodes back to itself. Inputs are random bytes and real frames of internode and client messages with
 * bytes flipped, cut short or spliced. The handshake frames, which anyone who can reach a port may
 * send before proving anything, have their own property in transport ({@code HandshakeFuzzProperties}).
 *
 * <p>The default run tries a thousand inputs per property; {@code ./mvnw -B -Pfuzz verify -pl node -am}
 * tries two million (the jqwik default raised by the profile).
 */
class WireFuzzProperties {
    private static final MessageCodec INTERNODE = KryoMessageCodec.of(NodeAssembly.messageTypes());
    private static final MessageCodec CLIENT = KryoMessageCodec.of(ClientMessages.types());
    private static final List<byte[]> INTERNODE_FRAMES = frames(INTERNODE, internodeSamples());
    private static final List<byte[]> CLIENT_FRAMES = frames(CLIENT, clientSamples());

    @Property
    void internodeBytesDecodeToAMessageOrACorruptionError(@ForAll("internode") byte[] bytes) {
        decodesSafely(INTERNODE, bytes);
    }

    @Property
    void clientBytesDecodeToAMessageOrACorruptionError(@ForAll("client") byte[] bytes) {
        decodesSafely(CLIENT, bytes);
    }

    private static void decodesSafely(MessageCodec codec, byte[] bytes) {
        Message decoded;
        try {
            decoded = codec.decode(bytes);
        } catch (CorruptDataException refused) {
            return;
        }
        assertThat(decoded).isNotNull();
        // What decodes has one canonical encoding, which decodes back to itself.
        byte[] canonical = codec.encode(decoded);
        assertThat(codec.encode(codec.decode(canonical))).isEqualTo(canonical);
    }

    @Provide
    Arbitrary<byte[]> internode() {
        return inputs(INTERNODE_FRAMES);
    }

    @Provide
    Arbitrary<byte[]> client() {
        return inputs(CLIENT_FRAMES);
    }

    private static Arbitrary<byte[]> inputs(List<byte[]> frames) {
        Arbitrary<byte[]> frame = Arbitraries.of(frames);
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
        Arbitrary<byte[]> flipped = Combinators.combine(frame, Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.bytes().filter(b -> b != 0)).as((f, at, mask) -> {
                    byte[] copy = f.clone();
                    copy[at % copy.length] ^= mask;
                    return copy;
                });
        Arbitrary<byte[]> cut = Combinators.combine(frame, Arbitraries.integers().between(0, 1 << 20))
                .as((f, at) -> java.util.Arrays.copyOf(f, at % f.length));
        Arbitrary<byte[]> spliced = Combinators.combine(frame, frame, Arbitraries.integers().between(0, 1 << 20))
                .as((a, b, at) -> {
                    byte[] out = a.clone();
                    int from = at % a.length;
                    System.arraycopy(b, 0, out, from, Math.min(b.length, a.length - from));
                    return out;
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, random), net.jqwik.api.Tuple.of(3, flipped),
                net.jqwik.api.Tuple.of(1, cut), net.jqwik.api.Tuple.of(1, spliced));
    }

    private static List<byte[]> frames(MessageCodec codec, List<Message> samples) {
        List<byte[]> frames = new ArrayList<>();
        for (Message m : samples) {
            frames.add(codec.encode(m));
        }
        return frames;
    }

    private static List<Message> clientSamples() {
        Key key = Key.of("user:42");
        return List.of(
                PutRequest.of(key, "Ada".getBytes(StandardCharsets.UTF_8), null, WriteOptions.quorum()),
                GetRequest.of(key, ReadOptions.quorum()),
                new Failure(Failure.Kind.UNAVAILABLE, "read needs 2", 2, 1),
                new Failure(Failure.Kind.UNAUTHORIZED, "user 'app' (role data) may not run CleanupRequest; it needs"
                        + " role admin", 0, 0),
                new AdminMessages.CleanupRequest());
    }

    private static List<Message> internodeSamples() {
        RandomSource random = RandomSource.seeded(1);
        NodeId node = NodeId.random(random);
        Actor actor = new Actor(node, 3);
        Key key = Key.of("cart");
        Record value = Record.value(key, new Dot(actor, 7), VersionVector.of(new Dot(actor, 6)), 1_000,
                "apples".getBytes(StandardCharsets.UTF_8));
        Record tombstone = Record.tombstone(key, new Dot(actor, 8), VersionVector.of(new Dot(actor, 7)), 2_000);
        List<Message> samples = new ArrayList<>(clientSamples());
        samples.add(new ReplicaWrite(List.of(value, tombstone), true));
        samples.add(new ReplicaRead(key));
        samples.add(new StreamChunk(List.of(value), key, false));
        samples.add(new GossipSyn("kvorum", List.of(new Digest(node, 5, 9))));
        samples.add(new GossipAck(List.of(new Digest(node, 5, 9)), List.of(new EndpointDelta(node, 5, 9,
                List.of(new StateEntry(AppState.STATUS, "NORMAL", 4))))));
        return samples;
    }
}
