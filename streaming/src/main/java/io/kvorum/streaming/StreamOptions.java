package io.kvorum.streaming;

import io.kvorum.core.Setting;
import io.kvorum.core.Settings;
import java.util.List;

/**
 * How a {@link RangeStreamer} pulls: its throttle, chunk size, patience with a source, and how many
 * units it runs at once. Each field has a typed setting with its bounds; the constructor rejects a
 * value outside them, naming the setting.
 *
 * @param bytesPerSecond  the most bytes per second the streamer pulls, over all its sessions; 0 means
 *                        unlimited. A joining node must not starve the sources' client traffic
 *                        (Cassandra's {@code stream_throughput_outbound} exists for the same reason)
 * @param chunkBytes      the byte budget of one request; bigger chunks amortise round trips, smaller
 *                        ones lose less to a failure and keep frames small
 * @param requestTimeoutMs how long to wait for one chunk before counting a failed attempt
 * @param maxAttempts     consecutive failed requests after which a unit, and with it the session,
 *                        fails; a chunk that arrives resets the count
 * @param retryBackoffMs  the pause before retrying a failed request
 * @param parallelUnits   how many (range, source) units run at once
 */
public record StreamOptions(long bytesPerSecond, int chunkBytes, long requestTimeoutMs, int maxAttempts,
                            long retryBackoffMs, int parallelUnits) {
    private static final long MIB = 1 << 20;

    public static final Setting<Long> BYTES_PER_SECOND = Setting.bytes("streaming.bytes_per_second", 64 * MIB, 0,
            1024 * 1024 * MIB, "Most bytes per second a node pulls when it streams ranges in, over all its streams;"
                    + " 0 means unlimited. The default leaves room for client traffic on a gigabit link.");

    public static final Setting<Long> CHUNK_BYTES = Setting.bytes("streaming.chunk_bytes", MIB, 1,
            StreamSource.MAX_CHUNK_BYTES, "Byte budget of one streaming request. Keep it well below"
                    + " transport.max_frame_bytes: a chunk exceeds it only by its last key.");

    public static final Setting<Long> REQUEST_TIMEOUT_MS = Setting.millis("streaming.request_timeout_ms", 10_000, 1,
            3_600_000, "How long a streaming request waits for its chunk before the attempt counts as failed.");

    public static final Setting<Integer> MAX_ATTEMPTS = Setting.integer("streaming.max_attempts", 5, 1, 100,
            "Consecutive failed requests after which a stream fails; it can then be resumed from where it stopped.");

    public static final Setting<Long> RETRY_BACKOFF_MS = Setting.millis("streaming.retry_backoff_ms", 1000, 0,
            600_000, "Pause before a failed streaming request is retried.");

    public static final Setting<Integer> PARALLEL_UNITS = Setting.integer("streaming.parallel_units", 2, 1, 16,
            "How many (range, source) pairs a stream pulls at once.");

    public StreamOptions {
        BYTES_PER_SECOND.validate(bytesPerSecond);
        CHUNK_BYTES.validate((long) chunkBytes);
        REQUEST_TIMEOUT_MS.validate(requestTimeoutMs);
        MAX_ATTEMPTS.validate(maxAttempts);
        RETRY_BACKOFF_MS.validate(retryBackoffMs);
        PARALLEL_UNITS.validate(parallelUnits);
    }

    public static StreamOptions defaults() {
        return fromSettings(Settings.empty());
    }

    /** The options as configured, each value validated. */
    public static StreamOptions fromSettings(Settings settings) {
        return new StreamOptions(settings.get(BYTES_PER_SECOND), Math.toIntExact(settings.get(CHUNK_BYTES)),
                settings.get(REQUEST_TIMEOUT_MS), settings.get(MAX_ATTEMPTS), settings.get(RETRY_BACKOFF_MS),
                settings.get(PARALLEL_UNITS));
    }

    /** Every setting, for the node's list of known keys and its generated documentation. */
    public static List<Setting<?>> settings() {
        return List.of(BYTES_PER_SECOND, CHUNK_BYTES, REQUEST_TIMEOUT_MS, MAX_ATTEMPTS, RETRY_BACKOFF_MS,
                PARALLEL_UNITS);
    }

    public StreamOptions withBytesPerSecond(long value) {
        return new StreamOptions(value, chunkBytes, requestTimeoutMs, maxAttempts, retryBackoffMs, parallelUnits);
    }

    public StreamOptions withChunkBytes(int value) {
        return new StreamOptions(bytesPerSecond, value, requestTimeoutMs, maxAttempts, retryBackoffMs, parallelUnits);
    }

    public StreamOptions withRequestTimeoutMs(long value) {
        return new StreamOptions(bytesPerSecond, chunkBytes, value, maxAttempts, retryBackoffMs, parallelUnits);
    }

    public StreamOptions withMaxAttempts(int value) {
        return new StreamOptions(bytesPerSecond, chunkBytes, requestTimeoutMs, value, retryBackoffMs, parallelUnits);
    }

    public StreamOptions withRetryBackoffMs(long value) {
        return new StreamOptions(bytesPerSecond, chunkBytes, requestTimeoutMs, maxAttempts, value, parallelUnits);
    }

    public StreamOptions withParallelUnits(int value) {
        return new StreamOptions(bytesPerSecond, chunkBytes, requestTimeoutMs, maxAttempts, retryBackoffMs, value);
    }
}
