package io.kvorum.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/** For tests that check a server closes a connection it should refuse. */
public final class Sockets {
    private Sockets() {
    }

    /**
     * Reads until the peer closes (true) or a read times out (false, after the socket's
     * {@code soTimeout}); a reset counts as closed.
     */
    public static boolean readUntilClosed(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        try {
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }
}
