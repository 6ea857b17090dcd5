package io.kvorum.gossip;

import java.net.InetSocketAddress;

/** {@code host:port} as gossip carries addresses. */
public final class Addresses {
    private Addresses() {
    }

    public static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** @throws IllegalArgumentException naming the text when it is not host:port */
    public static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: host:port)");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: host:port)", e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: a port 1..65535)");
        }
        return new InetSocketAddress(text.substring(0, colon), port);
    }
}
