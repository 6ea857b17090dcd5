package io.kvorum.core;

/**
 * A key, value or message is larger than its configured limit. Thrown before anything is written,
 * so nothing of the refused request is stored. The message names the limit's setting.
 */
public class SizeLimitExceededException extends IllegalArgumentException {
    private final String what;
    private final long sizeBytes;
    private final long limitBytes;

    public SizeLimitExceededException(String what, long sizeBytes, long limitBytes, String setting) {
        super(what + " is " + sizeBytes + " bytes (expected: <= " + limitBytes + ", set by " + setting + ")");
        this.what = what;
        this.sizeBytes = sizeBytes;
        this.limitBytes = limitBytes;
    }

    public String what() {
        return what;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
