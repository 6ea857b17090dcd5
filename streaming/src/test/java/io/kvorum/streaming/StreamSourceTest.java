package io.kvorum.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvorum.streaming.StreamMessages.StreamChunk;
import io.kvorum.streaming.StreamMessages.StreamRequest;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Record;
import io.kvorum.core.Token;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.Durability;
import io.kvorum.storage.MemoryReplicaStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class StreamSourceTest {
    private static final long SEED = 77L;

    private final MemoryReplicaStore store = new MemoryReplicaStore();
    private final List<Key> keys = new ArrayList<>();

    StreamSourceTest() {
        RandomSource random = RandomSource.seeded(SEED);
        for (int i = 0; i < 60; i++) {
            Key key = Key.of("key-" + i);
            store.apply(Histories.of(key, 1 + random.nextInt(5), 80, random), Durability.PERIODIC);
            keys.add(key);
        }
        keys.sort(null);
    }

    private List<TokenRange> ranges() {
        return List.of(TokenRange.full(), TokenRange.of(keys.get(5).token(), keys.get(5).token()),
                TokenRange.of(Token.MIN, Token.MAX), TokenRange.of(keys.get(10).token(), keys.get(40).token()),
                TokenRange.of(keys.get(45).token(), keys.get(12).token()), TokenRange.of(Token.MAX, keys.get(7).token()),
                TokenRange.of(keys.get(30).token(), Token.MIN));
    }

    /** The keys of {@code range} in the order its scan visits them. */
    private List<Key> keysInScanOrder(TokenRange range) {
        List<Key> out = new ArrayList<>();
        try (var it = store.scan(RangeCursor.normalize(range))) {
            while (it.hasNext()) {
                Key k = it.next().key();
                if (out.isEmpty() || !out.get(out.size() - 1).equals(k)) {
                    out.add(k);
                }
            }
        }
        return out;
    }

    private static List<Key> distinctKeys(List<Record> records) {
        List<Key> out = new ArrayList<>();
        for (Record r : records) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(r.key())) {
                out.add(r.key());
            }
        }
        return out;
    }

    @Test
    void continuesAfterEveryCursorWithExactlyTheKeysThatFollowIt() {
        for (TokenRange range : ranges()) {
            List<Key> order = keysInScanOrder(range);
            assertThat(order).as("keys of %s", range).isNotEmpty();
            assertThat(distinctKeys(StreamSource.readChunk(store, range, null, Integer.MAX_VALUE).records()))
                    .isEqualTo(order);
            for (int i = 0; i < order.size(); i++) {
                StreamChunk chunk = StreamSource.readChunk(store, range, order.get(i), Integer.MAX_VALUE);
                assertThat(distinctKeys(chunk.records())).as("after %s in %s", order.get(i), range)
                        .isEqualTo(order.subList(i + 1, order.size()));
                assertThat(chunk.done()).isTrue();
                assertThat(RangeCursor.invalid(RangeCursor.normalize(range), order.get(i), chunk)).isNull();
            }
        }
    }

    @Test
    void chunksHoldWholeKeysWithinTheBudgetAndChainToTheEnd() {
        for (TokenRange range : ranges()) {
            for (int budget : new int[] {1, 150, 700, 5000}) {
                List<Record> all = new ArrayList<>();
                Key cursor = null;
                int chunks = 0;
                StreamChunk chunk;
                int keysInRange = keysInScanOrder(range).size();
                do {
                    chunk = StreamSource.readChunk(store, range, cursor, budget);
                    chunks++;
                    assertThat(chunks).as("chunks of %s within %d", range, budget).isLessThanOrEqualTo(keysInRange + 1);
                    long bytes = chunk.records().stream().mapToLong(StreamMessages::wireBytes).sum();
                    List<Key> chunkKeys = distinctKeys(chunk.records());
                    if (chunkKeys.size() > 1) {
                        assertThat(bytes).as("chunk of several keys within %d", budget).isLessThanOrEqualTo(budget);
                    }
                    for (Key k : chunkKeys) {
                        assertThat(chunk.records().stream().filter(r -> r.key().equals(k)).toList())
                                .as("whole key %s", k).isEqualTo(store.read(k));
                    }
                    all.addAll(chunk.records());
                    cursor = chunk.last() == null ? cursor : chunk.last();
                } while (!chunk.done());
                assertThat(all).isEqualTo(StreamSource.readChunk(store, range, null, Integer.MAX_VALUE).records());
                if (budget == 1) {
                    assertThat(chunks).isGreaterThanOrEqualTo(keysInRange);
                }
            }
        }
    }

    @Test
    void anEmptyRangeAnswersDoneAtOnce() {
        long t = keys.get(3).token();
        StreamChunk chunk = StreamSource.readChunk(store, TokenRange.of(t, t + 1), null, 100);
        assertThat(chunk.records()).isEmpty();
        assertThat(chunk.last()).isNull();
        assertThat(chunk.done()).isTrue();
        StreamChunk atEnd = StreamSource.readChunk(store, TokenRange.full(), keys.get(keys.size() - 1), 100);
        assertThat(atEnd.records()).isEmpty();
        assertThat(atEnd.done()).isTrue();
    }

    @Test
    void requestsAndChunksCheckTheirCursors() {
        TokenRange range = TokenRange.of(keys.get(10).token(), keys.get(20).token());
        assertThatThrownBy(() -> new StreamRequest(range, keys.get(30), 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
        assertThatThrownBy(() -> new StreamRequest(range, keys.get(10), 100))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StreamRequest(range, null, 0)).isInstanceOf(IllegalArgumentException.class);
        Record r = store.read(keys.get(15)).get(0);
        assertThatThrownBy(() -> new StreamChunk(List.of(r), keys.get(16), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StreamChunk(List.of(), keys.get(16), true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void receiverRejectsChunksThatDoNotContinueFromItsCursor() {
        TokenRange range = TokenRange.of(keys.get(10).token(), keys.get(20).token());
        Record inside = store.read(keys.get(15)).get(0);
        Record earlier = store.read(keys.get(12)).get(0);
        Record outside = store.read(keys.get(25)).get(0);
        assertThat(RangeCursor.invalid(range, keys.get(13), new StreamChunk(List.of(inside), keys.get(15), false)))
                .isNull();
        assertThat(RangeCursor.invalid(range, keys.get(15), new StreamChunk(List.of(inside), keys.get(15), false)))
                .contains("out of order");
        assertThat(RangeCursor.invalid(range, null, new StreamChunk(List.of(inside, earlier), keys.get(12), false)))
                .contains("out of order");
        assertThat(RangeCursor.invalid(range, null, new StreamChunk(List.of(outside), keys.get(25), true)))
                .contains("outside");
        assertThat(RangeCursor.invalid(range, null, new StreamChunk(List.of(), null, false))).contains("empty");
        // In a wrapping range the tail (after the start) comes before the head.
        TokenRange wrap = TokenRange.of(keys.get(45).token(), keys.get(12).token());
        Record tail = store.read(keys.get(50)).get(0);
        Record head = store.read(keys.get(2)).get(0);
        assertThat(RangeCursor.invalid(wrap, null, new StreamChunk(List.of(tail, head), keys.get(2), true))).isNull();
        assertThat(RangeCursor.invalid(wrap, null, new StreamChunk(List.of(head, tail), keys.get(50), true)))
                .contains("out of order");
    }

    @Test
    void theHandlerRefusesAnOversizedBudget() {
        StreamSim sim = new StreamSim(SEED);
        StreamSim.Node source = sim.node(1);
        StreamSim.Node other = sim.node(2);
        CompletableFuture<StreamChunk> reply = other.bus.request(source.id,
                new StreamRequest(TokenRange.full(), null, StreamSource.MAX_CHUNK_BYTES + 1), StreamChunk.class, 1000);
        sim.loop.runUntil(reply::isDone, 10_000);
        assertThatThrownBy(reply::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(InvalidRequestException.class).hasMessageContaining("maxBytes");
    }
}
