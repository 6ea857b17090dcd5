package io.kvorum.hints;

import io.kvorum.core.ByteReader;
import io.kvorum.core.Bytes;
import io.kvorum.core.Checks;
import io.kvorum.core.CorruptDataException;
import io.kvorum.core.Record;
import io.kvorum.core.RecordCodec;
import io.kvorum.storage.lsm.EntryLog;
import java.util.ArrayList;
import java.util.List;

/**
 * One hint as the payload of one log entry. The target is not in it: each target has a log of its
 * own. The records are {@link RecordCodec} bodies, as in the commit log's batches; the entry's
 * length and CRC come from the log.
 *
 * <pre>
 * payload := u8 version (1), varint created-at millis, varint count (>= 1), count * record body
 * </pre>
 */
final class HintCodec {
    static final int FORMAT_VERSION = 1;
    /** The smallest record body, which bounds how many records a payload can claim to hold. */
    private static final int MIN_BODY_BYTES = 12;

    private HintCodec() {
    }

    /** The entry for a hint: {@link EntryLog#HEADER_BYTES} of room for the log's framing, then the payload. */
    static byte[] encode(long createdAtMillis, List<Record> records) {
        Checks.require(createdAtMillis >= 0, "createdAtMillis", createdAtMillis, ">= 0");
        Checks.require(records != null && !records.isEmpty(), "records", records, "at least one record");
        long size = EntryLog.HEADER_BYTES + 1L + Bytes.varLongSize(createdAtMillis) + Bytes.varLongSize(records.size());
        for (Record r : records) {
            size += RecordCodec.bodySize(r);
        }
        Checks.require(size - EntryLog.HEADER_BYTES <= EntryLog.MAX_PAYLOAD_BYTES, "records",
                records.size() + " records of " + (size - EntryLog.HEADER_BYTES) + " bytes",
                "at most " + EntryLog.MAX_PAYLOAD_BYTES + " bytes in one hint");
        byte[] buf = new byte[(int) size];
        int off = EntryLog.HEADER_BYTES;
        buf[off++] = FORMAT_VERSION;
        off = Bytes.putVarLong(buf, off, createdAtMillis);
        off = Bytes.putVarLong(buf, off, records.size());
        for (Record r : records) {
            off = RecordCodec.writeBody(r, buf, off);
        }
        return buf;
    }

    /** Reads a whole payload into a hint ending at {@code end}. */
    static Hint decode(ByteReader payload, HintCursor end) {
        long createdAt = createdAt(payload);
        int n = payload.readVarInt(payload.remaining() / MIN_BODY_BYTES, "hint record count");
        if (n == 0) {
            throw new CorruptDataException("hint holds no record");
        }
        List<Record> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(RecordCodec.readBody(payload));
        }
        if (payload.remaining() != 0) {
            throw new CorruptDataException("hint has " + payload.remaining() + " bytes after its records");
        }
        return new Hint(createdAt, records, end);
    }

    /** Reads the version and creation time at the start of a payload, leaving the reader after them. */
    static long createdAt(ByteReader payload) {
        int version = payload.readUnsignedByte();
        if (version != FORMAT_VERSION) {
            throw new CorruptDataException("hint format version " + version + ", this build reads " + FORMAT_VERSION);
        }
        long createdAt = payload.readVarLong();
        if (createdAt < 0) {
            throw new CorruptDataException("hint creation time " + createdAt + " out of range");
        }
        return createdAt;
    }
}
