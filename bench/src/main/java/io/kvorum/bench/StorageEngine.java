package io.kvorum.bench;

/**
 * The little the storage benchmark needs of an engine: put, get, scan everything, flush.
 *
 * <p>It exists so that the harness (workload, timing, verification, report) is one piece of code
 * run unchanged against every engine, and can be tested against a plain in-memory map before
 * Kvorum's engine lands. Adapters translate to each engine's own API and pay its own costs
 * (building a {@code Key} and a {@code Record} is part of what Kvorum costs a caller, so it is
 * inside the timed call).
 *
 * <p>{@link #put} and {@link #get} may be called from several threads at once; {@link #scanAll},
 * {@link #flush} and {@link #close} from one thread while no other call is running. Engines throw
 * unchecked exceptions on failure: a benchmark has nothing to recover, it stops and says why.
 */
interface StorageEngine extends AutoCloseable {

    /**
     * Stores {@code value} under {@code key}. The arrays belong to the workload and are shared by
     * every engine and round; an engine may keep a reference but must never modify them.
     */
    void put(byte[] key, byte[] value);

    /** The value stored under {@code key}, or null when the engine has none. */
    byte[] get(byte[] key);

    /** Visits every record once, in the engine's own order, reading each key and value. */
    ScanTally scanAll();

    /** Writes everything put so far into the engine's table files, waiting until that is done. */
    void flush();

    /** Releases the engine's files and memory (after a flush, so nothing is left only in a log). */
    @Override
    void close();
}
