package io.kvorum.gossip;

import io.kvorum.ring.Ring;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.StringJoiner;

/** A member's tokens as gossip carries them: decimal, comma-separated. */
public final class Tokens {
    private Tokens() {
    }

    public static String text(Collection<Long> tokens) {
        StringJoiner joiner = new StringJoiner(",");
        for (long t : tokens) {
            joiner.add(Long.toString(t));
        }
        return joiner.toString();
    }

    /** @throws IllegalArgumentException naming the problem: not numbers, or too many */
    public static List<Long> parse(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String[] parts = text.split(",", Ring.MAX_TOKENS_PER_NODE + 2);
        if (parts.length > Ring.MAX_TOKENS_PER_NODE) {
            throw new IllegalArgumentException("tokens: " + parts.length + " (expected: at most "
                    + Ring.MAX_TOKENS_PER_NODE + ")");
        }
        List<Long> tokens = new ArrayList<>(parts.length);
        for (String p : parts) {
            try {
                tokens.add(Long.parseLong(p.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tokens: '" + p + "' is not a token (expected: a decimal long)", e);
            }
        }
        return tokens;
    }
}
