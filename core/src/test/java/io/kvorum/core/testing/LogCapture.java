package io.kvorum.core.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Collects the warnings of a logger (and those below it) during a test, so it can check what an operator would read. */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    /** @param loggerName a logger or a package, such as {@code io.kvorum.transport} */
    public LogCapture(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.start();
        logger.addAppender(appender);
    }

    /** Every WARN or ERROR line so far, formatted. */
    public List<String> warnings() {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage)
                    .collect(Collectors.toList());
        }
    }

    /** Lines of any level containing {@code text}, formatted. */
    public List<String> linesContaining(String text) {
        synchronized (appender) {
            return appender.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(l -> l.contains(text))
                    .collect(Collectors.toList());
        }
    }

    /** WARN lines containing {@code text}. */
    public List<String> warningsContaining(String text) {
        return warnings().stream().filter(l -> l.contains(text)).collect(Collectors.toList());
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
