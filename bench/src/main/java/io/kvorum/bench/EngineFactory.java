package io.kvorum.bench;

import io.kvorum.storage.lsm.LsmOptions;
import java.nio.file.Path;

/**
 * Opens a fresh engine of one kind in an empty directory.
 *
 * <p>Every engine is configured from Kvorum's own {@link LsmOptions}: Kvorum uses them as they
 * are, other engines translate the settings they share (memtable bytes, block cache bytes, block
 * bytes, Bloom bits) so that a comparison never depends on one side running with a bigger memory
 * budget than the other.
 */
interface EngineFactory {

    /** The name used on the command line and in the report, lower case. */
    String name();

    /** One line naming how this engine is configured for {@code options}, printed in the report header. */
    String describe(LsmOptions options);

    /** Opens a new engine in {@code dir}, an existing empty directory that belongs to it alone. */
    StorageEngine open(Path dir, LsmOptions options);
}
