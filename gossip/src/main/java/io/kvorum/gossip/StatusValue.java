package io.kvorum.gossip;

import io.kvorum.ring.MemberStatus;
import java.util.Locale;

/**
 * The text of a {@link AppState#STATUS} value: the status name, and for a retired member the wall
 * time at which every node may purge it ({@code LEFT:1760000000000}).
 *
 * <p>Carrying the expiry in the value, as Cassandra does, makes every node purge a retired member
 * at about the same time, whichever node it learned the state from and however late.
 */
public record StatusValue(MemberStatus status, long expiresAtMillis) {

    public static StatusValue of(MemberStatus status) {
        return new StatusValue(status, 0);
    }

    public static StatusValue retired(MemberStatus status, long expiresAtMillis) {
        if (!status.isRetired()) {
            throw new IllegalArgumentException("status: " + status + " (expected: LEFT or REMOVED)");
        }
        return new StatusValue(status, expiresAtMillis);
    }

    /** @throws IllegalArgumentException naming the text when it is not a status */
    public static StatusValue parse(String text) {
        int colon = text.indexOf(':');
        String name = colon < 0 ? text : text.substring(0, colon);
        MemberStatus status;
        try {
            status = MemberStatus.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("status: '" + text + "' (expected: one of "
                    + java.util.Arrays.toString(MemberStatus.values()) + ")", e);
        }
        long expires = 0;
        if (colon >= 0) {
            try {
                expires = Long.parseLong(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("status: '" + text + "' (expected: NAME or NAME:expiry-millis)", e);
            }
        }
        return new StatusValue(status, expires);
    }

    /** The status in {@code text}, or null when there is none or it does not parse (a peer's garbage). */
    public static StatusValue tryParse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether a retired member's state may be forgotten at {@code nowMillis}. */
    public boolean expired(long nowMillis) {
        return status.isRetired() && expiresAtMillis <= nowMillis;
    }

    public String text() {
        return status.isRetired() ? status + ":" + expiresAtMillis : status.name();
    }
}
