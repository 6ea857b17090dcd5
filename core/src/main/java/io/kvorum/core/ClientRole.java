package io.kvorum.core;

import java.util.Locale;

/**
 * What a client user may do on a node's client port. Each role includes the ones before it, so a
 * check is one comparison and a new role slots in without a table of grants.
 */
public enum ClientRole {
    /** Reads, writes and deletes of keys, and the ring a token-aware client routes with. */
    DATA,
    /** Everything a data user may do, plus status, ring changes, cleanup, and later repair and hints. */
    ADMIN;

    /** True when this role may do what {@code needed} may. */
    public boolean includes(ClientRole needed) {
        return ordinal() >= needed.ordinal();
    }

    /** The role's name as the users file and the command line spell it: {@code data}, {@code admin}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the text and the roles there are */
    public static ClientRole parse(String text) {
        for (ClientRole r : values()) {
            if (r.label().equals(text)) {
                return r;
            }
        }
        throw new IllegalArgumentException("role '" + text + "' (expected: data or admin)");
    }
}
