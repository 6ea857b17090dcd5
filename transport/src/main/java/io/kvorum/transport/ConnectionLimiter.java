package io.kvorum.transport;

import io.kvorum.core.Checks;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts a server's open connections, in all and per remote address, and refuses one past either
 * bound.
 *
 * <p>Why both: without a bound, 20,000 connections that finished the handshake and then idled took
 * a node to its file-descriptor limit, and real clients could no longer connect. The total bounds
 * what the node spends; the per-address bound keeps one host (a runaway pool, a flood) from taking
 * the whole total and shutting everyone else out.
 *
 * <p>Thread-safe; acquire and release are called from event loops at accept and close.
 */
final class ConnectionLimiter {
    private final int maxConnections;
    private final int maxPerAddress;
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private int total;

    ConnectionLimiter(int maxConnections, int maxPerAddress) {
        this.maxConnections = Checks.requirePositive(maxConnections, "max connections");
        this.maxPerAddress = Checks.requirePositive(maxPerAddress, "max connections per address");
    }

    /** Takes a place for a connection from {@code address}; null when granted, else why not. */
    synchronized String tryAcquire(InetAddress address) {
        if (total >= maxConnections) {
            return total + " connections open (limit " + maxConnections + ")";
        }
        int fromAddress = perAddress.getOrDefault(address, 0);
        if (fromAddress >= maxPerAddress) {
            return fromAddress + " connections open from " + address.getHostAddress() + " (limit " + maxPerAddress
                    + " per address)";
        }
        total++;
        perAddress.put(address, fromAddress + 1);
        return null;
    }

    /** Gives back the place of a connection from {@code address} that {@link #tryAcquire} granted. */
    synchronized void release(InetAddress address) {
        Integer fromAddress = perAddress.get(address);
        if (fromAddress == null) {
            throw new IllegalStateException("no connection from " + address + " to release");
        }
        total--;
        if (fromAddress == 1) {
            perAddress.remove(address);
        } else {
            perAddress.put(address, fromAddress - 1);
        }
    }

    synchronized int open() {
        return total;
    }
}
