package io.kvorum.gossip;

/**
 * The application states gossip carries for each member, each versioned on its own so that a
 * change to one travels without the others. Values are text: small, readable in logs and stable
 * across versions of the code.
 */
public enum AppState {
    /** Internode address, {@code host:port}. */
    ADDRESS,
    /** Client-protocol address, {@code host:port}. */
    CLIENT_ADDRESS,
    /** {@link io.kvorum.ring.MemberStatus} name, and for retired members {@code :expiry millis} (see {@link StatusValue}). */
    STATUS,
    /** Virtual-node tokens, decimal, comma-separated, ascending. */
    TOKENS,
    /** Rack name; empty when racks are not configured. */
    RACK,
    /** Bytes of data stored, decimal. */
    LOAD,
    /** The internode protocol version the member speaks. */
    PROTOCOL_VERSION,
    /** A one-line summary of the member's streaming, empty when none runs. */
    STREAMING,
    /** A one-line summary of what is wrong with the member's storage (a full disk, damaged blocks), empty when nothing is. */
    STORAGE
}
