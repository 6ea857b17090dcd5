package io.kvorum.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvorum.core.testing.Await;
import io.kvorum.core.testing.LogCapture;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The internode port refuses connections past its limits at accept (issue 9: a flood of connections). */
class InboundConnectionLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final Buses buses = new Buses();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        buses.close();
    }

    private void connect(NettyMessageBus bus, String localHost) throws Exception {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(localHost, 0));
        s.connect(bus.localAddress(), 5_000);
    }

    @Test
    void connectionsPastTheLimitsAreClosedAtAcceptAndClosedOnesFreeTheirPlace() throws Exception {
        NettyMessageBus bus = buses.startPonger(Buses.builder(1).maxInboundConnections(3, 2).connectTimeoutMs(60_000));
        try (LogCapture logs = new LogCapture("io.kvorum.transport")) {
            connect(bus, "127.0.0.1");
            connect(bus, "127.0.0.1");
            connect(bus, "127.0.0.1");
            Await.until("the third from one address to be refused", WAIT, () -> bus.refusedInboundConnections() == 1);
            connect(bus, "127.0.0.2");
            connect(bus, "127.0.0.3");
            Await.until("the fourth in all to be refused", WAIT, () -> bus.refusedInboundConnections() == 2);
            assertThat(bus.openInboundConnections()).isEqualTo(3);
            assertThat(logs.warningsContaining("refused a connection")).hasSize(2);
        }
        sockets.get(0).close();
        Await.until("the close to free a place", WAIT, () -> bus.openInboundConnections() == 2);
    }
}
