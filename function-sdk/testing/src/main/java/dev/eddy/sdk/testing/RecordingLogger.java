package dev.eddy.sdk.testing;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/** A {@link System.Logger} that keeps what it is given, for a test to look at. */
final class RecordingLogger implements System.Logger {

    private final String name;
    private final List<LogLine> lines;

    RecordingLogger(String name, List<LogLine> lines) {
        this.name = name;
        this.lines = lines;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return level != Level.OFF;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        lines.add(new LogLine(level, message, thrown));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        lines.add(new LogLine(level, params == null || params.length == 0 ? format
                : MessageFormat.format(format, params), null));
    }

    @Override
    public void log(Level level, Supplier<String> message) {
        lines.add(new LogLine(level, message.get(), null));
    }
}
