package io.kvorum.coordinator;

import io.kvorum.core.Key;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises the writes this node coordinates for one key: each reads the local records, takes a
 * dot and applies, and the next must see the previous one's record to ship it as a survivor.
 * Striped, so memory stays fixed; two keys that share a stripe only wait for each other.
 * Held on storage threads only, never on a network thread.
 */
final class KeyLocks {
    private final ReentrantLock[] stripes;

    KeyLocks(int stripes) {
        this.stripes = new ReentrantLock[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new ReentrantLock();
        }
    }

    ReentrantLock of(Key key) {
        return stripes[Math.floorMod(Long.hashCode(key.token()), stripes.length)];
    }
}
