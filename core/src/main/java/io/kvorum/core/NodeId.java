package io.kvorum.core;

/**
 * The identity of a node's data: created once when a data directory is first used and kept for
 * its life, so a node that loses its disk comes back as a new node rather than reusing the old
 * identity's dots. Printed as 16 hex digits.
 *
 * <p>64 random bits: the chance of two of a thousand nodes colliding is below one in 10^13.
 */
public record NodeId(long value) implements Comparable<NodeId> {

    public static NodeId random(RandomSource random) {
        return new NodeId(random.nextLong());
    }

    public static NodeId parse(String text) {
        Checks.require(text.length() == 16, "node id", text, "16 hex digits");
        try {
            return new NodeId(Long.parseUnsignedLong(text, 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("node id: " + text + " (expected: 16 hex digits)", e);
        }
    }

    @Override
    public int compareTo(NodeId o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public String toString() {
        // Sixteen hex digits, zero-padded; String.format's parsing showed in profiles of log-heavy paths.
        String hex = Long.toHexString(value);
        return hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    }
}
