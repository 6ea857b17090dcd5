package io.kvorum.streaming;

import io.kvorum.streaming.StreamMessages.StreamChunk;
import io.kvorum.streaming.StreamMessages.StreamRequest;
import io.kvorum.core.InvalidRequestException;
import io.kvorum.core.Key;
import io.kvorum.core.MessageBus;
import io.kvorum.core.Record;
import io.kvorum.core.TokenRange;
import io.kvorum.storage.CloseableIterator;
import io.kvorum.storage.ReplicaStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * The serving side of range streaming: answers a {@link StreamRequest} with the next chunk of the
 * range from the local store.
 *
 * <p><b>Stateless.</b> Every request carries its range and cursor, so the source keeps no session:
 * a receiver that restarts, times out or resumes a day later simply asks again, and a source that
 * restarted in between answers as well as before. The price is one scan opened per chunk; the scan
 * starts at the cursor, so it costs a seek, not a rescan of what was sent.
 *
 * <p><b>Continuing after the cursor.</b> The scan covers {@code (t - 1, end]} for the cursor's token
 * t (see {@link RangeCursor#remainder}), and skips only keys of token t that sort at or before the
 * cursor: keys share a token only when their 64-bit hashes collide, so that skip is almost always
 * empty.
 *
 * <p><b>Whole keys.</b> A chunk holds every record of each key it includes, so its last key is a
 * boundary the receiver can continue from; it stops before the key that would take it past the
 * byte budget, and exceeds the budget only when its single key is larger on its own.
 *
 * <p><b>Limits.</b> A request may ask for at most {@link #MAX_CHUNK_BYTES}, half the default frame
 * limit, so one peer cannot make this node buffer an unbounded answer. Scans run on the storage
 * executor (they read files), never on the bus's threads, and the iterator is always closed.
 * Throttling is the receiver's job: it paces its own requests.
 */
public final class StreamSource {
    /** The largest byte budget a request may ask for. */
    public static final int MAX_CHUNK_BYTES = 8 << 20;

    private final ReplicaStore store;
    private final MessageBus bus;
    private final Executor storage;
    private final Stats stats = new Stats();

    /** Counts for metrics. */
    public static final class Stats {
        public final LongAdder chunks = new LongAdder();
        public final LongAdder records = new LongAdder();
        public final LongAdder bytes = new LongAdder();
    }

    public StreamSource(ReplicaStore store, MessageBus bus, Executor storageExecutor) {
        this.store = Objects.requireNonNull(store, "store");
        this.bus = Objects.requireNonNull(bus, "bus");
        this.storage = Objects.requireNonNull(storageExecutor, "storageExecutor");
    }

    /** Registers the handler for {@link StreamRequest}; call before the bus starts. */
    public void registerHandlers() {
        bus.handle(StreamRequest.class, (from, m) -> {
            if (m.maxBytes() > MAX_CHUNK_BYTES) {
                throw new InvalidRequestException("maxBytes: " + m.maxBytes() + " (expected: <= " + MAX_CHUNK_BYTES
                        + ")");
            }
            return CompletableFuture.supplyAsync(() -> serve(m), storage);
        });
    }

    public Stats stats() {
        return stats;
    }

    private StreamChunk serve(StreamRequest m) {
        StreamChunk chunk = readChunk(store, m.range(), m.after(), m.maxBytes());
        stats.chunks.increment();
        stats.records.add(chunk.records().size());
        for (Record r : chunk.records()) {
            stats.bytes.add(StreamMessages.wireBytes(r));
        }
        return chunk;
    }

    /**
     * The chunk of {@code range} after {@code after} (from the start when null) of at most about
     * {@code maxBytes}: whole keys, at least one key unless the range is exhausted.
     */
    static StreamChunk readChunk(ReplicaStore store, TokenRange range, Key after, int maxBytes) {
        TokenRange normalized = RangeCursor.normalize(range);
        TokenRange scanned = after == null ? normalized : RangeCursor.remainder(normalized, after);
        List<Record> out = new ArrayList<>();
        long bytes = 0;
        try (CloseableIterator<Record> it = store.scan(scanned)) {
            Record next = firstAfter(it, after);
            while (next != null) {
                // Read the whole key, keeping the first record of the following key as `next`.
                List<Record> key = new ArrayList<>();
                long keyBytes = 0;
                Record r = next;
                next = null;
                while (true) {
                    key.add(r);
                    keyBytes += StreamMessages.wireBytes(r);
                    if (!it.hasNext()) {
                        break;
                    }
                    r = it.next();
                    if (!r.key().equals(key.get(0).key())) {
                        next = r;
                        break;
                    }
                }
                if (!out.isEmpty() && bytes + keyBytes > maxBytes) {
                    return new StreamChunk(out, lastKey(out), false);
                }
                out.addAll(key);
                bytes += keyBytes;
                if (bytes >= maxBytes && next != null) {
                    return new StreamChunk(out, lastKey(out), false);
                }
            }
        }
        return new StreamChunk(out, out.isEmpty() ? null : lastKey(out), true);
    }

    /** The first record after {@code after}: skips the keys of its token that sort at or before it. */
    private static Record firstAfter(CloseableIterator<Record> it, Key after) {
        while (it.hasNext()) {
            Record r = it.next();
            if (after == null || r.key().token() != after.token() || r.key().compareTo(after) > 0) {
                return r;
            }
        }
        return null;
    }

    private static Key lastKey(List<Record> records) {
        return records.get(records.size() - 1).key();
    }
}
