package io.kvorum.client;

import io.kvorum.core.Checks;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A node's client address as text ({@code host:port}, {@code [v6]:port}) and as the socket address
 * a connection dials.
 *
 * <p>Why not just {@link InetSocketAddress}: building one from a host name looks the name up,
 * and the client makes addresses on event-loop threads when the ring names a new node. An IP
 * literal is parsed without a lookup; a name is left unresolved, and Netty resolves it when it
 * connects. Equality is by the text, so each node gets one connection.
 */
record Address(String host, int port) {
    /** The client port of a node whose address gives none. */
    static final int DEFAULT_PORT = 9100;

    Address {
        Checks.require(host != null && !host.isBlank(), "host", host, "a host name or IP address");
        Checks.require(port > 0 && port <= 0xffff, "port of " + host, port, "1..65535");
    }

    /** Parses {@code host:port}, {@code host} (port {@value #DEFAULT_PORT}), {@code [v6]:port} or {@code [v6]}. */
    static Address parse(String text) {
        Objects.requireNonNull(text, "address");
        String t = text.trim();
        String host;
        String port = null;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            Checks.require(close > 1, "address", "'" + text + "'", "[IPv6 address]:port");
            host = t.substring(1, close);
            if (close + 1 < t.length()) {
                Checks.require(t.charAt(close + 1) == ':', "address", "'" + text + "'", "[IPv6 address]:port");
                port = t.substring(close + 2);
            }
        } else {
            int colon = t.lastIndexOf(':');
            Checks.require(colon < 0 || t.indexOf(':') == colon, "address", "'" + text + "'",
                    "host:port, with an IPv6 address in brackets: [::1]:9100");
            host = colon < 0 ? t : t.substring(0, colon);
            port = colon < 0 ? null : t.substring(colon + 1);
        }
        Checks.require(!host.isBlank(), "address", "'" + text + "'", "host:port");
        if (port == null) {
            return new Address(host, DEFAULT_PORT);
        }
        try {
            return new Address(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port of address '" + text + "': '" + port + "' (expected: 1..65535)", e);
        }
    }

    /** The socket address to dial; no name lookup happens here. */
    InetSocketAddress socketAddress() {
        return isIpLiteral(host) ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port);
    }

    /** True for dotted IPv4 and for IPv6 (anything with a colon), which InetSocketAddress parses without DNS. */
    private static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
