package dev.ordinal.faults;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Collects the WARN and ERROR records the application logs while installed (on the root logger of the JBoss log
 * manager, which the application in a {@code @QuarkusTest} shares with the test).
 */
final class LogCapture extends Handler implements AutoCloseable {

    /** One captured record: when (nanoTime), level, logger, message, and whether it carries a stack trace. */
    record Line(long nanos, Level level, String logger, String message, boolean stackTrace) {
        boolean error() {
            return level.intValue() >= Level.SEVERE.intValue();
        }
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    private LogCapture() {
        setLevel(Level.WARNING);
    }

    static LogCapture install() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
            lines.add(new Line(
                    System.nanoTime(), record.getLevel(), record.getLoggerName(), message, record.getThrown() != null));
        }
    }

    /** Records captured so far. */
    List<Line> lines() {
        return List.copyOf(lines);
    }

    /** Records captured between {@code fromNanos} and {@code toNanos}. */
    List<Line> between(long fromNanos, long toNanos) {
        return lines.stream()
                .filter(l -> l.nanos() >= fromNanos && l.nanos() < toNanos)
                .toList();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
