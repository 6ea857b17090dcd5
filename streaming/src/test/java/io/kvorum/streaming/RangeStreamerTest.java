package io.kvorum.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.streaming.StreamMessages.StreamChunk;
import io.kvorum.streaming.StreamMessages.StreamRequest;
import io.kvorum.streaming.StreamProgress.State;
import io.kvorum.streaming.StreamSim.Node;
import io.kvorum.core.Key;
import io.kvorum.core.KvorumException;
import io.kvorum.core.PeerUnavailableException;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Record;
import io.kvorum.core.RequestTimeoutException;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RangeStreamerTest {
    private static final long SEED = 20240611L;
    private static final long LIMIT_MS = 600_000;

    private static final StreamOptions FAST = StreamOptions.defaults().withRetryBackoffMs(100)
            .withRequestTimeoutMs(500).withMaxAttempts(3);

    /** Loads {@code keys} keys named {@code prefix + i}, each with a short history, into the node. */
    private static List<Key> load(Node node, String prefix, int keys, int maxValueBytes, RandomSource random) {
        List<Key> loaded = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            Key key = Key.of(prefix + i);
            node.store.load(Histories.of(key, 1 + random.nextInt(3), maxValueBytes, random));
            loaded.add(key);
        }
        loaded.sort(null);
        return loaded;
    }

    private static StreamTask task(TokenRange range, Node... sources) {
        List<io.kvorum.core.NodeId> ids = new ArrayList<>();
        for (Node n : sources) {
            ids.add(n.id);
        }
        return new StreamTask(range, ids);
    }

    private static Throwable failureOf(StreamSession session) {
        CompletableFuture<StreamSummary> done = session.done();
        assertThat(done).isCompletedExceptionally();
        try {
            done.join();
            throw new AssertionError("not failed");
        } catch (CompletionException | CancellationException e) {
            return e instanceof CompletionException ? e.getCause() : e;
        }
    }

    @Test
    void copiesExactlyTheRecordsOfTheRange() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        List<Key> keys = load(source, "k", 300, 50, RandomSource.seeded(SEED));
        TokenRange range = TokenRange.of(keys.get(40).token(), keys.get(200).token());

        StreamSession session = sim.streamer(dest, StreamOptions.defaults()).pull("test", List.of(task(range, source)));
        sim.awaitDone(session, LIMIT_MS);

        TreeMap<Key, List<Record>> expected = StreamSim.contents(source.store, range);
        assertThat(expected).hasSize(160); // (k40, k200]: the start's key excluded, the end's key included
        assertThat(StreamSim.contents(dest.store)).isEqualTo(expected);
        StreamSummary summary = session.done().join();
        assertThat(summary.records()).isEqualTo(expected.values().stream().mapToLong(List::size).sum());
        assertThat(session.progress().state()).isEqualTo(State.DONE);
    }

    @Test
    void copiesAWrappingRangeFromBothEndsOfTheRing() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        List<Key> keys = load(source, "k", 300, 50, RandomSource.seeded(SEED));
        TokenRange range = TokenRange.of(keys.get(250).token(), keys.get(30).token());
        assertThat(range.wraps()).isTrue();

        // Small chunks, so that the cursor crosses the ring's origin.
        StreamSession session = sim.streamer(dest, StreamOptions.defaults().withChunkBytes(400))
                .pull("wrap", List.of(task(range, source)));
        sim.awaitDone(session, LIMIT_MS);

        TreeMap<Key, List<Record>> expected = StreamSim.contents(source.store, range);
        assertThat(expected).hasSize(49 + 31);
        assertThat(expected.firstKey()).isEqualTo(keys.get(0));
        assertThat(expected.lastKey()).isEqualTo(keys.get(299));
        assertThat(StreamSim.contents(dest.store)).isEqualTo(expected);
        assertThat(source.source.stats().chunks.sum()).isGreaterThan(10);
    }

    @Test
    void copiesTheFullRingAndAnEmptyRange() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        List<Key> keys = load(source, "k", 100, 50, RandomSource.seeded(SEED));
        long t = keys.get(10).token();
        assertThat(keys.get(11).token()).isGreaterThan(t + 1);
        TokenRange empty = TokenRange.of(t, t + 1);

        RangeStreamer streamer = sim.streamer(dest, StreamOptions.defaults().withChunkBytes(500));
        StreamSession emptySession = streamer.pull("empty", List.of(task(empty, source)));
        sim.awaitDone(emptySession, LIMIT_MS);
        assertThat(emptySession.done().join().records()).isZero();
        assertThat(emptySession.progress().unitsDone()).isEqualTo(1);
        assertThat(StreamSim.contents(dest.store)).isEmpty();

        // A full range given as (x, x] for any x, not only (MIN, MIN].
        StreamSession full = streamer.pull("full", List.of(task(TokenRange.of(t, t), source)));
        sim.awaitDone(full, LIMIT_MS);
        assertThat(StreamSim.contents(dest.store)).isEqualTo(StreamSim.contents(source.store)).hasSize(100);
    }

    @Test
    void pullsTheUnionOfEverySource() {
        StreamSim sim = new StreamSim(SEED);
        Node dest = sim.node(9);
        List<Node> sources = List.of(sim.node(1), sim.node(2), sim.node(3));
        RandomSource random = RandomSource.seeded(SEED);
        for (int i = 0; i < 200; i++) {
            for (Record r : Histories.of(Key.of("k" + i), 1 + random.nextInt(6), 40, random)) {
                int holders = 1 + random.nextInt(7); // a non-empty subset of the three sources
                for (int s = 0; s < 3; s++) {
                    if ((holders >> s & 1) == 1) {
                        sources.get(s).store.load(List.of(r));
                    }
                }
            }
        }
        TokenRange range = TokenRange.of(-4_000_000_000_000_000_000L, 5_000_000_000_000_000_000L);

        StreamSession session = sim.streamer(dest, StreamOptions.defaults().withChunkBytes(2000))
                .pull("union", List.of(task(range, sources.toArray(new Node[0]))));
        sim.awaitDone(session, LIMIT_MS);

        TreeMap<Key, List<Record>> model = StreamSim.union(StreamSim.contents(sources.get(0).store, range),
                StreamSim.contents(sources.get(1).store, range), StreamSim.contents(sources.get(2).store, range));
        assertThat(StreamSim.contents(dest.store)).isEqualTo(model);
        // The test means something only if no single source held it all and some keys have siblings.
        for (Node s : sources) {
            assertThat(StreamSim.contents(s.store, range)).isNotEqualTo(model);
        }
        assertThat(model.values()).anyMatch(rs -> rs.size() > 1);
        assertThat(session.progress().unitsDone()).isEqualTo(3);
        assertThat(session.progress().rangesDone()).isEqualTo(1);
    }

    @Test
    void smallChunksStreamEverythingAndAKeyLargerThanAChunkStillGoes() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        load(source, "k", 200, 100, RandomSource.seeded(SEED));
        source.store.load(List.of(Histories.single(Key.of("big"), 10_000)));

        StreamSession session = sim.streamer(dest, StreamOptions.defaults().withChunkBytes(1000))
                .pull("chunks", List.of(task(TokenRange.full(), source)));
        sim.awaitDone(session, LIMIT_MS);

        assertThat(StreamSim.contents(dest.store)).isEqualTo(StreamSim.contents(source.store));
        assertThat(dest.store.read(Key.of("big"))).hasSize(1);
        long bytes = session.done().join().bytes();
        assertThat(source.source.stats().chunks.sum()).isGreaterThanOrEqualTo((bytes - 10_000) / 1000);
    }

    @Test
    void resumesAfterTheSourceDiedFromWhereItStopped() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        List<Key> keys = load(source, "k", 2000, 20, RandomSource.seeded(SEED));
        TokenRange first = TokenRange.of(Token.MIN, keys.get(999).token());
        TokenRange second = TokenRange.of(keys.get(999).token(), Token.MAX);
        long total = StreamSim.contents(source.store).values().stream().mapToLong(List::size).sum();

        StreamSession session = sim.streamer(dest, FAST.withChunkBytes(500).withParallelUnits(1))
                .pull("join", List.of(task(first, source), task(second, source)));
        long firstRecords = StreamSim.contents(source.store, first).values().stream().mapToLong(List::size).sum();
        sim.loop.runUntil(() -> session.progress().records() > firstRecords + (total - firstRecords) / 2, LIMIT_MS);
        sim.network.kill(source.id);
        sim.awaitDone(session, LIMIT_MS);

        Throwable failure = failureOf(session);
        assertThat(failure).isInstanceOf(StreamFailedException.class)
                .hasMessageContaining(second.toString()).hasMessageContaining(source.id.toString());
        StreamFailedException f = (StreamFailedException) failure;
        assertThat(f.range()).isEqualTo(second);
        assertThat(f.source()).isEqualTo(source.id);
        assertThat(f.getCause()).isInstanceOfAny(PeerUnavailableException.class, RequestTimeoutException.class);
        StreamProgress failed = session.progress();
        assertThat(failed.state()).isEqualTo(State.FAILED);
        assertThat(failed.unitsDone()).isEqualTo(1);
        assertThat(failed.unitsFailed()).isEqualTo(1);
        assertThat(failed.rangesDone()).isEqualTo(1);
        assertThat(StreamSim.contents(dest.store, first)).isEqualTo(StreamSim.contents(source.store, first));
        assertThat(dest.store.flushes).isZero();

        long received = failed.records();
        long servedBefore = source.source.stats().records.sum();
        sim.network.revive(source.id);
        session.resume();
        sim.awaitDone(session, LIMIT_MS);

        assertThat(session.done().join().records()).isEqualTo(session.progress().records());
        assertThat(StreamSim.contents(dest.store)).isEqualTo(StreamSim.contents(source.store));
        long resent = source.source.stats().records.sum() - servedBefore;
        // What was left, plus at most the chunk that was in flight when the source died.
        assertThat(resent).isGreaterThanOrEqualTo(total - received).isLessThan(total - received + 50);
        assertThat(session.progress().attempt()).isEqualTo(2);
        assertThat(dest.store.flushedSinceApply).isTrue();
    }

    @Test
    void failsWhenEveryMessageIsLostAndResumesWhenTheNetworkHeals() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        load(source, "k", 500, 20, RandomSource.seeded(SEED));
        long total = StreamSim.contents(source.store).values().stream().mapToLong(List::size).sum();

        StreamSession session = sim.streamer(dest, FAST.withChunkBytes(500))
                .pull("lossy", List.of(task(TokenRange.full(), source)));
        sim.loop.runUntil(() -> session.progress().records() > total / 3, LIMIT_MS);
        sim.network.loss(1.0);
        long before = sim.loop.nanoTime();
        sim.awaitDone(session, LIMIT_MS);
        // Three attempts, each a 500 ms timeout, with 100 ms between them.
        assertThat((sim.loop.nanoTime() - before) / 1_000_000).isBetween(1_500L, 1_800L);
        assertThat(failureOf(session)).isInstanceOf(StreamFailedException.class)
                .hasCauseInstanceOf(RequestTimeoutException.class);

        sim.network.loss(0);
        long received = session.progress().records();
        long servedBefore = source.source.stats().records.sum();
        session.resume();
        sim.awaitDone(session, LIMIT_MS);
        assertThat(StreamSim.contents(dest.store)).isEqualTo(StreamSim.contents(source.store));
        long resent = source.source.stats().records.sum() - servedBefore;
        assertThat(resent).isGreaterThanOrEqualTo(total - received).isLessThan(total - received + 50);
    }

    @Test
    void retriesThroughOccasionalLossWithoutFailing() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        load(source, "k", 500, 20, RandomSource.seeded(SEED));
        sim.network.loss(0.2);

        StreamSession session = sim.streamer(dest, FAST.withChunkBytes(500).withMaxAttempts(10))
                .pull("lossy", List.of(task(TokenRange.full(), source)));
        sim.awaitDone(session, LIMIT_MS);

        assertThat(session.done().join().records()).isPositive();
        assertThat(sim.network.dropped()).isPositive();
        assertThat(StreamSim.contents(dest.store)).isEqualTo(StreamSim.contents(source.store));
    }

    @Test
    void cancelStopsTheStreamAndResumeFinishesIt() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        load(source, "k", 500, 20, RandomSource.seeded(SEED));
        long total = StreamSim.contents(source.store).values().stream().mapToLong(List::size).sum();

        StreamSession session = sim.streamer(dest, StreamOptions.defaults().withChunkBytes(500))
                .pull("cancelled", List.of(task(TokenRange.full(), source)));
        sim.loop.runUntil(() -> session.progress().records() > total / 3, LIMIT_MS);
        session.cancel();
        sim.awaitDone(session, LIMIT_MS);
        assertThat(failureOf(session)).isInstanceOf(CancellationException.class);
        assertThat(session.progress().state()).isEqualTo(State.CANCELLED);
        long served = source.source.stats().chunks.sum();
        sim.loop.runFor(60_000);
        assertThat(source.source.stats().chunks.sum()).isEqualTo(served);
        assertThatCode(session::cancel).doesNotThrowAnyException();

        session.resume();
        sim.awaitDone(session, LIMIT_MS);
        assertThat(session.progress().state()).isEqualTo(State.DONE);
        assertThat(StreamSim.contents(dest.store)).isEqualTo(StreamSim.contents(source.store));
        assertThatThrownBy(session::resume).isInstanceOf(IllegalStateException.class).hasMessageContaining("DONE");
    }

    @Test
    void throttleHoldsTheRate() {
        long rate = 50_000;
        long throttledMs = timeToStream(StreamOptions.defaults().withChunkBytes(4000).withBytesPerSecond(rate));
        long unthrottledMs = timeToStream(StreamOptions.defaults().withChunkBytes(4000).withBytesPerSecond(0));
        StreamSim sim = new StreamSim(SEED);
        long bytes = bytesToStream(sim);
        assertThat(bytes).isGreaterThan(200_000);
        // Charged after the fact: the last chunk is not waited for.
        assertThat(throttledMs).isGreaterThanOrEqualTo((bytes - 4000) * 1000 / rate);
        assertThat(throttledMs).isLessThan(bytes * 1000 / rate + 1000);
        assertThat(unthrottledMs).isLessThan(throttledMs / 20);
    }

    private static long bytesToStream(StreamSim sim) {
        Node source = sim.node(1);
        load(source, "k", 2000, 200, RandomSource.seeded(SEED));
        long bytes = 0;
        for (List<Record> rs : StreamSim.contents(source.store).values()) {
            for (Record r : rs) {
                bytes += StreamMessages.wireBytes(r);
            }
        }
        return bytes;
    }

    private static long timeToStream(StreamOptions options) {
        StreamSim sim = new StreamSim(SEED);
        long bytes = bytesToStream(sim);
        Node dest = sim.node(2);
        long start = sim.loop.nanoTime();
        StreamSession session = sim.streamer(dest, options).pull("throttle", List.of(task(TokenRange.full(), sim.node(1))));
        sim.awaitDone(session, LIMIT_MS);
        assertThat(session.done().join().bytes()).isEqualTo(bytes);
        return (sim.loop.nanoTime() - start) / 1_000_000;
    }

    @Test
    void progressGrowsMonotonicallyAndEndsAtWhatWasApplied() {
        StreamSim sim = new StreamSim(SEED);
        Node dest = sim.node(9);
        List<Node> sources = List.of(sim.node(1), sim.node(2));
        RandomSource random = RandomSource.seeded(SEED);
        List<Key> keys = load(sources.get(0), "a", 400, 60, random);
        load(sources.get(1), "b", 400, 60, random);
        List<StreamTask> tasks = List.of(
                task(TokenRange.of(keys.get(0).token(), keys.get(100).token()), sources.get(0), sources.get(1)),
                task(TokenRange.of(keys.get(100).token(), keys.get(300).token()), sources.get(0), sources.get(1)),
                task(TokenRange.of(keys.get(300).token(), keys.get(0).token()), sources.get(1)));

        StreamSession session = sim.streamer(dest, StreamOptions.defaults().withChunkBytes(700)
                .withBytesPerSecond(200_000)).pull("progress", tasks);
        List<StreamProgress> seen = new ArrayList<>();
        sim.loop.runUntil(() -> {
            seen.add(session.progress());
            return session.done().isDone();
        }, LIMIT_MS);
        seen.add(session.progress());

        assertThat(seen.size()).isGreaterThan(100);
        for (int i = 1; i < seen.size(); i++) {
            StreamProgress a = seen.get(i - 1);
            StreamProgress b = seen.get(i);
            assertThat(b.records()).isGreaterThanOrEqualTo(a.records());
            assertThat(b.bytes()).isGreaterThanOrEqualTo(a.bytes());
            assertThat(b.unitsDone()).isGreaterThanOrEqualTo(a.unitsDone());
            assertThat(b.rangesDone()).isGreaterThanOrEqualTo(a.rangesDone());
            assertThat(b.elapsedMillis()).isGreaterThanOrEqualTo(a.elapsedMillis());
        }
        assertThat(seen).anyMatch(p -> p.state() == State.RUNNING && p.bytesPerSecond() > 100_000
                && p.bytesPerSecond() < 400_000);
        StreamProgress last = seen.get(seen.size() - 1);
        StreamSummary summary = session.done().join();
        assertThat(last.state()).isEqualTo(State.DONE);
        assertThat(last.unitsTotal()).isEqualTo(5);
        assertThat(last.unitsDone()).isEqualTo(5);
        assertThat(last.rangesTotal()).isEqualTo(3);
        assertThat(last.rangesDone()).isEqualTo(3);
        assertThat(last.records()).isEqualTo(dest.store.appliedRecords).isEqualTo(summary.records());
        assertThat(last.bytes()).isEqualTo(dest.store.appliedBytes).isEqualTo(summary.bytes());
        assertThat(summary.durationMillis()).isEqualTo(last.elapsedMillis());
        assertThat(dest.store.flushedSinceApply).isTrue();
        assertThat(dest.store.flushes).isEqualTo(1);
    }

    @Test
    void rejectsAChunkThatStraysOutsideTheRange() {
        StreamSim sim = new StreamSim(SEED);
        Node dest = sim.node(2);
        // A source that answers with everything it has, whatever the range.
        Node liar = sim.node(1);
        List<Key> keys = load(liar, "k", 50, 10, RandomSource.seeded(SEED));
        io.kvorum.sim.SimBus other = sim.bareBus(3);
        other.handle(StreamRequest.class, (from, m) -> CompletableFuture.completedFuture(
                StreamSource.readChunk(liar.store, TokenRange.full(), null, 1 << 20)));
        TokenRange range = TokenRange.of(keys.get(10).token(), keys.get(20).token());

        StreamSession session = sim.streamer(dest, FAST).pull("liar", List.of(new StreamTask(range, List.of(other.self()))));
        sim.awaitDone(session, LIMIT_MS);

        assertThat(failureOf(session)).isInstanceOf(StreamFailedException.class);
        assertThat(failureOf(session).getCause()).isInstanceOf(KvorumException.class)
                .hasMessageContaining("outside " + range);
        assertThat(StreamSim.contents(dest.store)).isEmpty();
    }

    @Test
    void aFailingLocalStoreFailsTheSessionAndLeavesTheCursorBehind() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        load(source, "k", 100, 10, RandomSource.seeded(SEED));
        dest.store.failApplies = new KvorumException("disk full");

        StreamSession session = sim.streamer(dest, FAST).pull("disk", List.of(task(TokenRange.full(), source)));
        sim.awaitDone(session, LIMIT_MS);
        assertThat(failureOf(session)).isInstanceOf(StreamFailedException.class).hasMessageContaining("disk full");
        assertThat(session.progress().records()).isZero();

        dest.store.failApplies = null;
        session.resume();
        sim.awaitDone(session, LIMIT_MS);
        assertThat(StreamSim.contents(dest.store)).isEqualTo(StreamSim.contents(source.store));
    }

    @Test
    void sessionsListsRunningAndRecentSessions() {
        StreamSim sim = new StreamSim(SEED);
        Node source = sim.node(1);
        Node dest = sim.node(2);
        load(source, "k", 20, 10, RandomSource.seeded(SEED));
        RangeStreamer streamer = sim.streamer(dest, StreamOptions.defaults());
        for (int i = 0; i < RangeStreamer.RECENT_FINISHED + 3; i++) {
            StreamSession s = streamer.pull("s" + i, List.of(task(TokenRange.full(), source)));
            sim.awaitDone(s, LIMIT_MS);
        }
        StreamSession running = streamer.pull("running", List.of(task(TokenRange.full(), source)));

        List<StreamProgress> sessions = streamer.sessions();
        assertThat(sessions).hasSize(RangeStreamer.RECENT_FINISHED + 1);
        assertThat(sessions.get(0).description()).isEqualTo("s3");
        assertThat(sessions.get(sessions.size() - 1).description()).isEqualTo("running");
        assertThat(sessions.get(sessions.size() - 1).state()).isEqualTo(State.RUNNING);
        assertThat(sessions.get(sessions.size() - 1).id()).isEqualTo(running.id());
        assertThat(sessions.subList(0, sessions.size() - 1)).allMatch(p -> p.state() == State.DONE);
    }

    @Test
    void noTasksOnlyFlushes() {
        StreamSim sim = new StreamSim(SEED);
        Node dest = sim.node(2);
        StreamSession session = sim.streamer(dest, StreamOptions.defaults()).pull("nothing", List.of());
        sim.awaitDone(session, LIMIT_MS);
        assertThat(session.done().join().records()).isZero();
        assertThat(dest.store.flushes).isEqualTo(1);
    }

    @Test
    void optionsAndTasksRejectBadValues() {
        assertThatThrownBy(() -> StreamOptions.defaults().withChunkBytes(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("streaming.chunk_bytes: 0");
        assertThatThrownBy(() -> StreamOptions.defaults().withChunkBytes(StreamSource.MAX_CHUNK_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamOptions.defaults().withBytesPerSecond(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("streaming.bytes_per_second");
        assertThatThrownBy(() -> StreamOptions.defaults().withMaxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("streaming.max_attempts");
        assertThatThrownBy(() -> new StreamTask(TokenRange.full(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one node");
        StreamOptions d = StreamOptions.defaults();
        assertThat(d).isEqualTo(new StreamOptions(64L << 20, 1 << 20, 10_000, 5, 1000, 2));
        assertThat(StreamOptions.fromSettings(io.kvorum.core.Settings.empty()
                .with("streaming.bytes_per_second", "10MiB")).bytesPerSecond()).isEqualTo(10L << 20);
    }

    @Test
    void messagesCarryOnlyTypesTheWireCodecKnows() {
        Map<Class<?>, String> allowed = Map.of(Key.class, "Key", TokenRange.class, "TokenRange", int.class, "int",
                boolean.class, "boolean", List.class, "List<Record>");
        for (Class<?> message : List.of(StreamRequest.class, StreamChunk.class)) {
            for (var component : message.getRecordComponents()) {
                assertThat(allowed).containsKey(component.getType());
                if (component.getType() == List.class) {
                    assertThat(component.getGenericType().getTypeName()).isEqualTo("java.util.List<io.kvorum.core.Record>");
                }
            }
        }
        var types = StreamMessages.register(io.kvorum.core.MessageTypes.builder()).build();
        assertThat(types.idOf(StreamRequest.class)).isEqualTo(300);
        assertThat(types.idOf(StreamChunk.class)).isEqualTo(301);
    }
}
