package io.kvorum.storage;

import io.kvorum.core.Key;
import io.kvorum.core.Record;
import io.kvorum.core.Setting;
import io.kvorum.core.SizeLimitExceededException;
import java.util.List;

/**
 * The size limits every store enforces on what it is asked to apply. Checked for a whole batch
 * before any of it is written, so a refused batch leaves no trace.
 */
public record RecordLimits(long maxKeyBytes, long maxValueBytes) {
    private static final long KIB = 1024;

    public static final Setting<Long> MAX_KEY_BYTES = Setting.bytes("storage.max_key_bytes", 8 * KIB, 1, 64 * KIB,
            "Largest key accepted. Larger keys are refused before anything is written.");

    public static final Setting<Long> MAX_VALUE_BYTES = Setting.bytes("storage.max_value_bytes", 4 * KIB * KIB, 0,
            64 * KIB * KIB, "Largest value accepted. Larger values are refused before anything is written.");

    public RecordLimits {
        MAX_KEY_BYTES.validate(maxKeyBytes);
        MAX_VALUE_BYTES.validate(maxValueBytes);
    }

    public static RecordLimits defaults() {
        return new RecordLimits(MAX_KEY_BYTES.defaultValue(), MAX_VALUE_BYTES.defaultValue());
    }

    /** Throws {@link SizeLimitExceededException} for the first record whose key or value is too large. */
    public void check(List<Record> records) {
        for (Record r : records) {
            checkKey(r.key());
            checkValue(r.key(), r.valueLength());
        }
    }

    public void checkKey(Key key) {
        if (key.length() > maxKeyBytes) {
            throw new SizeLimitExceededException("key " + abbreviate(key), key.length(), maxKeyBytes,
                    MAX_KEY_BYTES.key());
        }
    }

    public void checkValue(Key key, int valueBytes) {
        if (valueBytes > maxValueBytes) {
            throw new SizeLimitExceededException("value of key " + abbreviate(key), valueBytes, maxValueBytes,
                    MAX_VALUE_BYTES.key());
        }
    }

    private static String abbreviate(Key key) {
        String k = key.toString();
        return k.length() > 40 ? k.substring(0, 40) + "..." : k;
    }
}
