package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Failure;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Message;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.SizeLimitExceededException;
import io.kvorum.sim.SimBus;
import io.kvorum.sim.SimLoop;
import io.kvorum.sim.SimNetwork;
import io.kvorum.transport.TestMessages.Bag;
import io.kvorum.transport.TestMessages.Blob;
import io.kvorum.transport.TestMessages.Carrier;
import io.kvorum.transport.TestMessages.Note;
import io.kvorum.transport.TestMessages.Ping;
import io.kvorum.transport.TestMessages.Pong;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The wire codec as a {@link io.kvorum.core.MessageCodec}, alone and as the simulated network's. */
class KryoMessageCodecTest {
    private final KryoMessageCodec codec = KryoMessageCodec.of(TestMessages.types());

    @Test
    void messagesRoundTripAsFreshEqualCopies() {
        Carrier carrier = TestMessages.carrier();
        Message back = codec.decode(codec.encode(carrier));
        assertThat(back).isEqualTo(carrier).isNotSameAs(carrier);
        Failure failure = new Failure(Failure.Kind.UNAVAILABLE, "write needs 3", 3, 1);
        assertThat(codec.decode(codec.encode(failure))).isEqualTo(failure);
    }

    @Test
    void theBytesAreTheFrameTheBusWouldWrite() {
        byte[] bytes = codec.encode(new Ping("x"));
        assertThat(bytes.length - WireCodec.LENGTH_FIELD_BYTES).isEqualTo(
                (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff));
        assertThat(bytes[4]).isEqualTo((byte) WireCodec.PROTOCOL_VERSION);
    }

    @Test
    void whatTheBusWouldRefuseTheCodecRefuses() {
        record Unregistered(int x) implements Message {
        }
        assertThatThrownBy(() -> codec.encode(new Unregistered(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered in MessageTypes");
        assertThatThrownBy(() -> codec.encode(new Bag(List.of(new StringBuilder()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be encoded");
        assertThatThrownBy(() -> KryoMessageCodec.of(TestMessages.types(), 8192).encode(new Blob(new byte[16384])))
                .isInstanceOf(SizeLimitExceededException.class).hasMessageContaining("maxFrameBytes");
        byte[] garbage = codec.encode(new Ping("x"));
        garbage[garbage.length - 1] ^= 0x55;
        garbage[5] = 9;
        assertThatThrownBy(() -> codec.decode(garbage)).isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> codec.decode(new byte[3])).isInstanceOf(CorruptDataException.class);
    }

    /** Two simulated buses, 1 and 2, with or without the wire codec; 2 echoes Bags and answers Pings with a StringBuilder. */
    private static final class Pair {
        final SimLoop loop = new SimLoop();
        final SimNetwork network = new SimNetwork(loop, RandomSource.seeded(5)).types(TestMessages.types());
        final SimBus a;
        final SimBus b;
        final List<Message> atB = new ArrayList<>();

        Pair(boolean withCodec) {
            if (withCodec) {
                network.codec(KryoMessageCodec.of(TestMessages.types()));
            }
            a = network.attach(new NodeId(1), InetSocketAddress.createUnresolved("a", 1));
            b = network.attach(new NodeId(2), InetSocketAddress.createUnresolved("b", 1));
            b.handle(Bag.class, (from, bag) -> {
                atB.add(bag);
                return CompletableFuture.completedFuture(bag);
            });
            b.handle(Note.class, (from, n) -> {
                atB.add(n);
                return null;
            });
            b.handle(Ping.class, (from, p) -> CompletableFuture.completedFuture(
                    new Bag(List.of(new StringBuilder(p.text())))));
        }

        Throwable failureOf(CompletableFuture<?> f) {
            loop.runUntil(f::isDone, 10_000);
            try {
                f.get();
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            throw new AssertionError("succeeded: " + f.join());
        }
    }

    @Test
    void withoutTheCodecTheSimulatedBusCarriesWhatNoWireCould() {
        Pair p = new Pair(false);
        Bag unsendable = new Bag(List.of(new StringBuilder("no wire carries me")));
        CompletableFuture<Bag> echoed = p.a.request(p.b.self(), unsendable, Bag.class, 1_000);
        p.loop.runUntil(echoed::isDone, 10_000);
        assertThat(echoed.join()).isSameAs(unsendable); // the very object: the hole the codec closes
    }

    @Test
    void withTheCodecTheSimulatedBusRefusesWhatTheWireRefuses() {
        Pair p = new Pair(true);
        Bag unsendable = new Bag(List.of(new StringBuilder("no wire carries me")));
        assertThatThrownBy(() -> p.a.send(p.b.self(), unsendable))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be encoded");
        assertThat(p.failureOf(p.a.request(p.b.self(), unsendable, Bag.class, 1_000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be encoded");
        record Unregistered(int x) implements Message {
        }
        assertThatThrownBy(() -> p.a.send(p.b.self(), new Unregistered(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered in MessageTypes");
        // An answer the wire cannot carry reaches the requester as the typed failure Netty sends.
        assertThat(p.failureOf(p.a.request(p.b.self(), new Ping("x"), Pong.class, 1_000)))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("cannot be encoded");
        assertThat(p.atB).isEmpty();

        // What the wire carries arrives as a decoded copy.
        Bag fine = new Bag(List.of("a", 1L));
        CompletableFuture<Bag> echoed = p.a.request(p.b.self(), fine, Bag.class, 1_000);
        p.loop.runUntil(echoed::isDone, 10_000);
        assertThat(echoed.join()).isEqualTo(fine).isNotSameAs(fine);
        assertThat(p.atB).singleElement().isEqualTo(fine).isNotSameAs(fine);
    }

    @Test
    void aSimulatedMessageAboveTheFrameLimitFailsLikeARealOne() {
        SimLoop loop = new SimLoop();
        SimNetwork network = new SimNetwork(loop, RandomSource.seeded(6)).types(TestMessages.types())
                .codec(KryoMessageCodec.of(TestMessages.types(), 4096));
        SimBus a = network.attach(new NodeId(1), InetSocketAddress.createUnresolved("a", 1));
        SimBus b = network.attach(new NodeId(2), InetSocketAddress.createUnresolved("b", 1));
        b.handle(Blob.class, (from, blob) -> CompletableFuture.completedFuture(blob));
        CompletableFuture<Blob> big = a.request(b.self(), new Blob(new byte[8192]), Blob.class, 1_000);
        assertThat(big).isCompletedExceptionally();
        assertThatThrownBy(big::join).hasCauseInstanceOf(SizeLimitExceededException.class);
    }
}
