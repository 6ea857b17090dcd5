package io.kvorum.transport;

import io.kvorum.core.Checks;

/** The checks and defaults the bus, server and client builders share. */
final class BuilderChecks {
    private BuilderChecks() {
    }

    /** Netty threads when not configured: one per core, at most four (more only adds context switches). */
    static int defaultEventLoopThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    static void checkListen(String host, int port) {
        Checks.require(host != null && !host.isBlank(), "listen host", host, "a host name or IP address");
        Checks.require(port >= 0 && port <= 0xffff, "listen port", port, "0..65535");
    }

    static int checkMaxFrameBytes(int bytes) {
        Checks.require(bytes >= 1024, "maxFrameBytes", bytes, ">= 1024");
        return bytes;
    }
}
