package io.kvorum.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.core.Message;
import io.kvorum.core.MessageCodec;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Scheduler;
import io.kvorum.core.contract.BusContractMessages.Note;
import io.kvorum.core.contract.BusContractMessages.Ping;
import io.kvorum.core.contract.BusContractMessages.Pong;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The simulated network's seeded faults: duplication, partition modes, stability windows, and the codec path. */
class SimNetworkFaultsTest {

    /** A network of {@code n} nodes 1..n, each counting the notes it receives, by sender. */
    private static final class Cluster {
        final SimLoop loop = new SimLoop();
        final SimNetwork network;
        final List<SimBus> buses = new ArrayList<>();
        final List<NodeId> ids = new ArrayList<>();
        final List<Message> received = new ArrayList<>();
        final Set<List<NodeId>> links = new HashSet<>();

        Cluster(long seed, int n) {
            network = new SimNetwork(loop, RandomSource.seeded(seed));
            for (int i = 1; i <= n; i++) {
                NodeId id = new NodeId(i);
                SimBus bus = network.attach(id, InetSocketAddress.createUnresolved("node" + i, 7100));
                bus.handle(Note.class, (from, note) -> {
                    received.add(note);
                    links.add(List.of(from, id));
                    return null;
                });
                buses.add(bus);
                ids.add(id);
            }
        }

        /** Sends one note from every node to every other and lets them arrive. */
        Set<List<NodeId>> deliveredPairs() {
            links.clear();
            for (SimBus from : buses) {
                for (NodeId to : ids) {
                    if (!to.equals(from.self())) {
                        from.send(to, new Note(0));
                    }
                }
            }
            loop.runFor(100);
            return Set.copyOf(links);
        }
    }

    // ---- duplication ----

    @Test
    void duplicationDeliversSomeMessagesTwiceAsTheSeedDecides() {
        long[] extra = new long[2];
        for (int run = 0; run < 2; run++) {
            Cluster c = new Cluster(7, 2);
            c.network.duplicate(0.3);
            for (int i = 0; i < 1_000; i++) {
                c.buses.get(0).send(c.ids.get(1), new Note(i));
            }
            c.loop.runFor(100);
            extra[run] = c.network.duplicated();
            assertThat(c.received).hasSize(1_000 + (int) c.network.duplicated());
        }
        assertThat(extra[0]).isBetween(240L, 360L).isEqualTo(extra[1]);

        Cluster clean = new Cluster(7, 2);
        for (int i = 0; i < 1_000; i++) {
            clean.buses.get(0).send(clean.ids.get(1), new Note(i));
        }
        clean.loop.runFor(100);
        assertThat(clean.received).hasSize(1_000);
        assertThat(clean.network.duplicated()).isZero();
    }

    @Test
    void aDuplicatedRequestRunsItsHandlerTwiceAndIsAnsweredOnce() {
        Cluster c = new Cluster(3, 2);
        c.network.duplicate(1.0);
        AtomicInteger handled = new AtomicInteger();
        c.buses.get(1).handle(Ping.class, (from, p) -> {
            handled.incrementAndGet();
            return CompletableFuture.completedFuture(new Pong(p.text()));
        });
        CompletableFuture<Pong> answer = c.buses.get(0).request(c.ids.get(1), new Ping("twice"), Pong.class, 1_000);
        c.loop.runFor(100);
        assertThat(answer).isCompletedWithValue(new Pong("twice"));
        assertThat(handled.get()).isEqualTo(2);
    }

    // ---- partitions ----

    @Test
    void halvesSplitTheMembersAndNothingCrosses() {
        Cluster c = new Cluster(11, 5);
        Partition p = c.network.partition(PartitionMode.HALVES);
        Set<Set<NodeId>> sides = new HashSet<>();
        for (NodeId node : c.ids) {
            sides.add(p.seenBy(node));
        }
        assertThat(sides).extracting(Set::size).containsExactlyInAnyOrder(2, 3);
        assertDelivery(c, p);
        c.network.heal();
        assertThat(c.deliveredPairs()).hasSize(5 * 4);
    }

    @Test
    void isolatingOneCutsOneNodeFromAllOthers() {
        Cluster c = new Cluster(12, 5);
        Partition p = c.network.partition(PartitionMode.ISOLATE_ONE);
        List<NodeId> alone = c.ids.stream().filter(n -> p.seenBy(n).size() == 1).toList();
        assertThat(alone).hasSize(1);
        for (NodeId node : c.ids) {
            if (!alone.contains(node)) {
                assertThat(p.seenBy(node)).hasSize(4).doesNotContain(alone.get(0));
            }
        }
        assertDelivery(c, p);
    }

    @Test
    void aBridgeSeesBothSidesWhichDoNotSeeEachOther() {
        for (int n = 3; n <= 8; n++) {
            Cluster c = new Cluster(13 + n, n);
            Partition p = c.network.partition(PartitionMode.BRIDGE);
            List<NodeId> bridges = c.ids.stream().filter(node -> p.seenBy(node).size() == c.ids.size()).toList();
            assertThat(bridges).as("bridges of %d nodes: %s", n, p).hasSize(1);
            NodeId bridge = bridges.get(0);
            Set<Set<NodeId>> sides = new HashSet<>();
            for (NodeId node : c.ids) {
                if (!node.equals(bridge)) {
                    assertThat(p.seenBy(node)).contains(bridge);
                    Set<NodeId> side = new HashSet<>(p.seenBy(node));
                    side.remove(bridge);
                    sides.add(side);
                }
            }
            assertThat(sides).as("sides of %s", p).hasSize(2);
            assertDelivery(c, p);
        }
    }

    @Test
    void aMajoritiesRingGivesEveryNodeADifferentMajority() {
        for (int n = 4; n <= 9; n++) {
            for (long seed = 0; seed < 5; seed++) {
                Cluster c = new Cluster(seed, n);
                Partition p = c.network.partition(PartitionMode.MAJORITIES_RING);
                Set<Set<NodeId>> views = new HashSet<>();
                for (NodeId node : c.ids) {
                    assertThat(p.seenBy(node)).as("view of %s in %s", node, p).hasSizeGreaterThan(n / 2)
                            .hasSizeLessThan(n).contains(node);
                    views.add(p.seenBy(node));
                    for (NodeId other : c.ids) {
                        assertThat(p.connected(node, other)).isEqualTo(p.connected(other, node));
                    }
                }
                assertThat(views).as("distinct views in %s", p).hasSize(n);
                if (seed == 0) {
                    assertDelivery(c, p);
                }
            }
        }
        Cluster three = new Cluster(1, 3);
        assertThatThrownBy(() -> three.network.partition(PartitionMode.MAJORITIES_RING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(expected: >= 4)");
    }

    @Test
    void theSameSeedDrawsTheSamePartitionAndAnotherSeedMayNot() {
        Set<String> drawn = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            String first = new Cluster(seed, 7).network.partition(PartitionMode.HALVES).toString();
            assertThat(new Cluster(seed, 7).network.partition(PartitionMode.HALVES)).hasToString(first);
            drawn.add(first);
        }
        assertThat(drawn.size()).isGreaterThan(1);
    }

    @Test
    void aPartitionOverSomeMembersLeavesOthersAlone() {
        Cluster c = new Cluster(5, 4);
        Partition p = c.network.partition(PartitionMode.ISOLATE_ONE, c.ids.subList(0, 2));
        NodeId outsider = c.ids.get(3);
        for (NodeId node : c.ids) {
            assertThat(c.network.canReach(outsider, node)).isTrue();
        }
        assertThat(p.members()).hasSize(2);
        assertDelivery(c, p);
    }

    /** Notes get through exactly where the partition connects sender and receiver. */
    private static void assertDelivery(Cluster c, Partition p) {
        Set<List<NodeId>> expected = new HashSet<>();
        for (NodeId from : c.ids) {
            for (NodeId to : c.ids) {
                if (!from.equals(to) && p.connected(from, to)) {
                    expected.add(List.of(from, to));
                }
            }
        }
        assertThat(c.deliveredPairs()).as("links that delivered under %s", p).isEqualTo(expected);
    }

    // ---- stability windows ----

    /** When each window began, and whether it was faulty, sampled every millisecond for {@code ms}. */
    private static List<long[]> windows(Cluster c, FaultWindows options, long ms) {
        List<long[]> switches = new ArrayList<>();
        c.network.faultWindows(options);
        c.loop.scheduleWithFixedDelay(() -> {
            boolean faulty = c.network.inFaultyWindow();
            if (switches.isEmpty() || (switches.get(switches.size() - 1)[1] == 1) != faulty) {
                switches.add(new long[] {TimeUnit.NANOSECONDS.toMillis(c.loop.nanoTime()), faulty ? 1 : 0});
            }
            if (!faulty) {
                for (NodeId a : c.ids) {
                    for (NodeId b : c.ids) {
                        assertThat(c.network.canReach(a, b)).as("quiet at %d ms", c.loop.nanoTime()).isTrue();
                    }
                }
            } else {
                assertThat(c.network.currentPartition()).isNotNull();
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        c.loop.runFor(ms);
        return switches;
    }

    @Test
    void faultWindowsAlternateWithSeededLengthsWithinTheirBounds() {
        FaultWindows options = FaultWindows.partitions(50, 200, 100, 300, PartitionMode.HALVES,
                PartitionMode.ISOLATE_ONE, PartitionMode.BRIDGE, PartitionMode.MAJORITIES_RING);
        List<long[]> switches = windows(new Cluster(21, 5), options, 20_000);
        assertThat(switches.size()).isGreaterThan(40);
        assertThat(switches.get(0)[1]).as("the first window is quiet").isZero();
        Set<Long> lengths = new HashSet<>();
        for (int i = 1; i + 1 < switches.size(); i++) {
            long length = switches.get(i + 1)[0] - switches.get(i)[0];
            boolean faulty = switches.get(i)[1] == 1;
            // Sampled each millisecond: a window may look one millisecond longer or shorter.
            if (faulty) {
                assertThat(length).as("faulty window %d", i).isBetween(49L, 201L);
            } else {
                assertThat(length).as("quiet window %d", i).isBetween(99L, 301L);
            }
            lengths.add(length);
        }
        assertThat(lengths.size()).as("window lengths vary").isGreaterThan(10);

        List<long[]> again = windows(new Cluster(21, 5), options, 20_000);
        assertThat(again).as("the same seed, the same windows").usingRecursiveComparison().isEqualTo(switches);
        List<long[]> other = windows(new Cluster(22, 5), options, 20_000);
        assertThat(other).usingRecursiveComparison().isNotEqualTo(switches);
    }

    @Test
    void lossWhileFaultyDropsOnlyInFaultyWindows() {
        Cluster c = new Cluster(31, 2);
        Scheduler.Cancellable windows = c.network.faultWindows(new FaultWindows(List.of(), 1.0, 0, 20, 40, 20, 40));
        List<Boolean> faultyAtSend = new ArrayList<>();
        c.loop.scheduleWithFixedDelay(() -> {
            faultyAtSend.add(c.network.inFaultyWindow());
            c.buses.get(0).send(c.ids.get(1), new Note(faultyAtSend.size() - 1));
        }, 0, 2, TimeUnit.MILLISECONDS);
        c.loop.runFor(1_000);
        Set<Integer> arrived = new HashSet<>();
        c.received.forEach(m -> arrived.add(((Note) m).seq()));
        for (int seq = 0; seq < faultyAtSend.size() - 1; seq++) {
            assertThat(arrived.contains(seq)).as("note %d, sent %s", seq, faultyAtSend.get(seq) ? "faulty" : "quiet")
                    .isEqualTo(!faultyAtSend.get(seq));
        }
        assertThat(faultyAtSend).contains(true, false);

        windows.cancel();
        windows.cancel();
        assertThat(c.network.inFaultyWindow()).isFalse();
        int before = c.received.size();
        c.loop.runFor(200);
        assertThat(c.received.size() - before).as("every note after the cancel arrives").isBetween(99, 101);
    }

    // ---- the codec path ----

    /** Carries Note as four bytes and refuses everything else, as a wire codec refuses what it cannot write. */
    private static final class NoteCodec implements MessageCodec {
        int encoded;

        @Override
        public byte[] encode(Message message) {
            if (!(message instanceof Note n)) {
                throw new IllegalArgumentException(message.getClass().getName() + " cannot be encoded");
            }
            encoded++;
            return ByteBuffer.allocate(4).putInt(n.seq()).array();
        }

        @Override
        public Message decode(byte[] bytes) {
            return new Note(ByteBuffer.wrap(bytes).getInt());
        }
    }

    @Test
    void withACodecEveryDeliveryIsAFreshDecodedCopyAndRefusalsReachTheSender() {
        Cluster c = new Cluster(41, 2);
        NoteCodec codec = new NoteCodec();
        c.network.codec(codec).duplicate(1.0);
        Note sent = new Note(5);
        c.buses.get(0).send(c.ids.get(1), sent);
        c.loop.runFor(100);
        assertThat(c.received).containsExactly(sent, sent);
        assertThat(c.received.get(0)).isNotSameAs(sent).isNotSameAs(c.received.get(1));
        assertThat(codec.encoded).as("encoded once, decoded per delivery").isEqualTo(1);

        assertThatThrownBy(() -> c.buses.get(0).send(c.ids.get(1), new Ping("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be encoded");
        CompletableFuture<Pong> refused = c.buses.get(0).request(c.ids.get(1), new Ping("x"), Pong.class, 1_000);
        assertThat(refused).isCompletedExceptionally();
    }
}
