package io.kvorum.streaming;

import io.kvorum.core.Actor;
import io.kvorum.core.Dot;
import io.kvorum.core.Key;
import io.kvorum.core.NodeId;
import io.kvorum.core.RandomSource;
import io.kvorum.core.Record;
import io.kvorum.core.VersionVector;
import java.util.ArrayList;
import java.util.List;

/**
 * Records as a causal history could produce them, for stores to hold parts of. Each write of a key
 * has its own actor and a context joined from a random subset of the key's earlier writes (what
 * its writer had read), so some writes supersede others and some are concurrent siblings; contexts
 * built so make "covers" transitive, which is what makes union-then-resolve independent of the
 * order in which replicas exchange records (as in {@code RecordArbitraries.recordPoolOfOneKey}).
 */
final class Histories {
    private Histories() {
    }

    /** A history of {@code writes} writes to {@code key}, every fourth a tombstone, values of up to {@code maxValueBytes}. */
    static List<Record> of(Key key, int writes, int maxValueBytes, RandomSource random) {
        List<Record> pool = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            VersionVector ctx = VersionVector.EMPTY;
            for (Record earlier : pool) {
                if (random.nextInt(2) == 0) {
                    ctx = ctx.join(earlier.context()).with(earlier.dot());
                }
            }
            Dot dot = new Dot(new Actor(new NodeId(1000 + i), 0), 1 + random.nextInt(3));
            long ts = 1_700_000_000_000L + i;
            if (i % 4 == 3) {
                pool.add(Record.tombstone(key, dot, ctx, ts));
            } else {
                byte[] value = new byte[random.nextInt(maxValueBytes + 1)];
                for (int b = 0; b < value.length; b++) {
                    value[b] = (byte) random.nextInt(256);
                }
                pool.add(Record.value(key, dot, ctx, ts, value));
            }
        }
        return pool;
    }

    /** A plain write with no history: one record of {@code valueBytes} bytes. */
    static Record single(Key key, int valueBytes) {
        return Record.value(key, new Dot(new Actor(new NodeId(1), 0), 1), VersionVector.EMPTY, 1_700_000_000_000L,
                new byte[valueBytes]);
    }

    /** {@code record} as a write to another key. */
    static Record rekey(Record record, Key key) {
        return record.isTombstone()
                ? Record.tombstone(key, record.dot(), record.context(), record.timestampMillis())
                : Record.value(key, record.dot(), record.context(), record.timestampMillis(), record.value());
    }
}
