package io.kvorum.storage.lsm;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Record;
import io.kvorum.core.RecordCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of records as one commit-log entry: a varint count, then each record's body. One entry
 * per batch makes a batch atomic across a crash, since the log keeps or drops whole entries.
 *
 * <p>Encoding goes into a buffer per thread, after the log's header room, so that the hot write
 * path allocates nothing; a buffer grown past {@link #KEEP_BYTES} by one large batch is dropped
 * afterwards rather than held by the thread for good.
 */
final class BatchCodec {
    /** The smallest record body, which bounds how many records a payload can claim to hold. */
    private static final int MIN_BODY_BYTES = 12;
    private static final int KEEP_BYTES = 1 << 20;

    private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[4096]);

    /** Encodes {@code records} into this thread's {@link #buffer}, after the log's header room; returns the entry length. */
    int encode(List<Record> records) {
        int size = CommitLog.HEADER_BYTES + Bytes.varLongSize(records.size());
        for (Record r : records) {
            size += RecordCodec.bodySize(r);
        }
        byte[] buf = buffers.get();
        if (buf.length < size) {
            buf = new byte[Math.max(size, buf.length * 2)];
            buffers.set(buf);
        }
        int off = Bytes.putVarLong(buf, CommitLog.HEADER_BYTES, records.size());
        for (Record r : records) {
            off = RecordCodec.writeBody(r, buf, off);
        }
        return off;
    }

    /** This thread's buffer, holding the last batch it encoded. */
    byte[] buffer() {
        return buffers.get();
    }

    /** Lets go of this thread's buffer if one batch made it large; call once the entry is appended. */
    void trim() {
        if (buffers.get().length > KEEP_BYTES) {
            buffers.remove();
        }
    }

    static List<Record> decode(ByteReader payload) {
        int n = payload.readVarInt(payload.remaining() / MIN_BODY_BYTES, "batch size");
        List<Record> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(RecordCodec.readBody(payload));
        }
        if (payload.remaining() != 0) {
            throw new CorruptDataException("commit log entry has " + payload.remaining() + " bytes after its batch");
        }
        return batch;
    }
}
