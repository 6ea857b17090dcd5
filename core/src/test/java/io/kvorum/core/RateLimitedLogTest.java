package io.kvorum.core;

import io.kvorum.core.testing.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A flood of warnings is cut to a burst, then a trickle that says how much was left out. */
class RateLimitedLogTest {
    private final LogCapture logs = new LogCapture("io.kvorum.core");

    @AfterEach
    void tearDown() {
        logs.close();
    }

    @Test
    void aBurstThenOneLinePerIntervalCountingTheSuppressed() {
        AtomicLong nanos = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), 3, 1_000,
                nanos::get);
        for (int i = 0; i < 100; i++) {
            log.warn("bad frame " + i);
        }
        assertThat(logs.warnings()).containsExactly("bad frame 0", "bad frame 1", "bad frame 2");

        nanos.addAndGet(999_000_000L);
        log.warn("still too soon");
        assertThat(logs.warnings()).hasSize(3);

        nanos.addAndGet(1_000_000L);
        log.warn("bad frame again");
        assertThat(logs.warnings()).hasSize(4);
        assertThat(logs.warnings().get(3)).isEqualTo("bad frame again (98 similar lines suppressed)");

        nanos.addAndGet(60_000_000_000L);
        for (int i = 0; i < 5; i++) {
            log.warn("after a quiet minute " + i);
        }
        assertThat(logs.warningsContaining("after a quiet minute")).hasSize(3);
    }
}
