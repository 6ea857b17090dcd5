package io.kvorum.hints;

import io.kvorum.core.Checks;
import io.kvorum.core.Settings;
import io.kvorum.storage.lsm.CorruptionPolicy;
import io.kvorum.storage.lsm.LsmSettings;

/**
 * The hint store's settings, read and validated once when it opens. Built from {@link Settings};
 * tests override single keys with {@code Settings.empty().with(HintSettings.WINDOW_MS, ...)}.
 */
public record HintOptions(
        long maxBytesPerTarget,
        long maxBytesTotal,
        long windowMs,
        long segmentBytes,
        long syncPeriodMs,
        CorruptionPolicy corruptionPolicy) {

    public HintOptions {
        HintSettings.MAX_BYTES_PER_TARGET.validate(maxBytesPerTarget);
        HintSettings.MAX_BYTES_TOTAL.validate(maxBytesTotal);
        HintSettings.WINDOW_MS.validate(windowMs);
        HintSettings.SEGMENT_BYTES.validate(segmentBytes);
        HintSettings.SYNC_PERIOD_MS.validate(syncPeriodMs);
        Checks.require(corruptionPolicy != null, HintSettings.CORRUPTION_POLICY.key(), null, "a CorruptionPolicy");
    }

    public static HintOptions defaults() {
        return from(Settings.empty());
    }

    /**
     * @throws IllegalArgumentException naming the setting, also when {@code hints.window_ms} is not below
     *                                  {@code storage.tombstone_gc_grace_ms}: hints accepted that late
     *                                  would expire before they could be delivered
     */
    public static HintOptions from(Settings s) {
        long windowMs = s.get(HintSettings.WINDOW_MS);
        long graceMs = s.get(LsmSettings.TOMBSTONE_GC_GRACE_MS);
        Checks.require(windowMs < graceMs, HintSettings.WINDOW_MS.key(), HintSettings.WINDOW_MS.format(windowMs),
                "below " + LsmSettings.TOMBSTONE_GC_GRACE_MS.key() + ", " + LsmSettings.TOMBSTONE_GC_GRACE_MS.format(graceMs)
                        + ": a hint older than that is dropped, not delivered, since the delete that superseded it"
                        + " may be gone");
        return new HintOptions(
                s.get(HintSettings.MAX_BYTES_PER_TARGET),
                s.get(HintSettings.MAX_BYTES_TOTAL),
                windowMs,
                s.get(HintSettings.SEGMENT_BYTES),
                s.get(HintSettings.SYNC_PERIOD_MS),
                s.get(HintSettings.CORRUPTION_POLICY));
    }
}
