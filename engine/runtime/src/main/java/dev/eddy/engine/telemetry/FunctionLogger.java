package dev.eddy.engine.telemetry;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.Instant;
import java.util.ResourceBundle;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A function's logger ({@link dev.eddy.sdk.Environment#logger()}): each line goes to the engine's log (logger
 * {@code eddy.function.<name>}, as its logging configuration allows) and, structured — function, version, the
 * call's record and trace — to the logs topic (INFO and above, and lower levels the engine's log takes). A logger made for a lane's calls reads the current call from its {@link Call}; the environment's own
 * (for {@code open} and {@code close}) has none.
 */
public final class FunctionLogger implements System.Logger {

    /** The call a line is logged in, read on the lane's thread when the line is logged. */
    public interface Call {
        /** {@code <topic>:<partition>:<offset>} of the call's record, or null between calls. */
        String invocation();

        /** The call's trace id, or null when its record carries no trace. */
        String traceId();

        /** The call's span id, or null. */
        String spanId();

        /** Which attempt at its record the call is: 1 the first time; 0 between calls. */
        int attempt();
    }

    /** At most this many failed calls a second go to the logs topic (the engine's own log has its own limit). */
    private static final int FAILURES_PER_SECOND = 20;

    private static final Call NO_CALL = new Call() {
        @Override
        public String invocation() {
            return null;
        }

        @Override
        public String traceId() {
            return null;
        }

        @Override
        public String spanId() {
            return null;
        }

        @Override
        public int attempt() {
            return 0;
        }
    };

    private final String function;
    private final String version;
    private final String engine;
    private final Logger delegate;
    private final Consumer<LogLine> sink;
    private final Call call;
    /** The second of the failures logged last, how many were logged in it, and how many were left out since. */
    private long failureSecond;
    private int failuresInSecond;
    private long failuresLeftOut;

    /**
     * @param sink where structured lines go besides the engine's log (the logs topic); null for nowhere
     */
    public FunctionLogger(String function, String version, String engine, Consumer<LogLine> sink) {
        this(function, version, engine, LoggerFactory.getLogger("eddy.function." + function), sink, NO_CALL);
    }

    private FunctionLogger(String function, String version, String engine, Logger delegate, Consumer<LogLine> sink,
            Call call) {
        this.function = function;
        this.version = version;
        this.engine = engine;
        this.delegate = delegate;
        this.sink = sink;
        this.call = call;
    }

    /** The same logger, telling which call each line is logged in. */
    public FunctionLogger forCalls(Call call) {
        return new FunctionLogger(function, version, engine, delegate, sink, call);
    }

    @Override
    public String getName() {
        return delegate.getName();
    }

    /** INFO and above always (the logs topic keeps them); DEBUG and TRACE where the engine's log takes them. */
    @Override
    public boolean isLoggable(Level level) {
        return level.getSeverity() >= Level.INFO.getSeverity() && level != Level.OFF || engineLogs(level);
    }

    /** Whether the engine's own log takes lines of this level from the function (its logging configuration). */
    private boolean engineLogs(Level level) {
        return switch (level) {
            case ALL, TRACE -> delegate.isTraceEnabled();
            case DEBUG -> delegate.isDebugEnabled();
            case INFO -> delegate.isInfoEnabled();
            case WARNING -> delegate.isWarnEnabled();
            case ERROR -> delegate.isErrorEnabled();
            case OFF -> false;
        };
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        if (isLoggable(level)) {
            write(level, message, thrown);
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (isLoggable(level)) {
            write(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params), null);
        }
    }

    private void write(Level level, String message, Throwable thrown) {
        String invocation = call.invocation();
        String traceId = invocation == null ? null : call.traceId();
        if (engineLogs(level)) {
            String text = invocation == null ? message
                    : message + " [" + invocation + (traceId == null ? "" : " trace=" + traceId) + "]";
            switch (level) {
                case ALL, TRACE -> delegate.trace(text, thrown);
                case DEBUG -> delegate.debug(text, thrown);
                case INFO -> delegate.info(text, thrown);
                case WARNING -> delegate.warn(text, thrown);
                default -> delegate.error(text, thrown);
            }
        }
        if (sink != null) {
            String name = switch (level) {
                case ALL, TRACE -> "TRACE";
                case DEBUG -> "DEBUG";
                case INFO -> "INFO";
                case WARNING -> "WARN";
                default -> "ERROR";
            };
            sink.accept(new LogLine(Instant.now().toString(), name, function, version, invocation, traceId,
                    invocation == null ? null : call.spanId(), message, thrown == null ? null : stackTrace(thrown),
                    engine, invocation == null ? null : call.attempt()));
        }
    }

    /**
     * A call failed: a line to the logs topic with the exception and the attempt, so that {@code ./eddy logs} shows
     * why (the engine's own log has its failure lines already). At most {@link #FAILURES_PER_SECOND} a second; the
     * next line says how many were left out.
     */
    public synchronized void failed(Throwable error) {
        if (sink == null) {
            return;
        }
        long second = System.currentTimeMillis() / 1000;
        if (second != failureSecond) {
            failureSecond = second;
            failuresInSecond = 0;
        }
        if (++failuresInSecond > FAILURES_PER_SECOND) {
            failuresLeftOut++;
            return;
        }
        int attempt = call.attempt();
        String message = "the call failed on attempt " + attempt + ": " + error
                + (failuresLeftOut == 0 ? "" : " (and " + failuresLeftOut + " failed calls before it not logged)");
        failuresLeftOut = 0;
        String invocation = call.invocation();
        sink.accept(new LogLine(Instant.now().toString(), "WARN", function, version, invocation,
                invocation == null ? null : call.traceId(), invocation == null ? null : call.spanId(), message,
                stackTrace(error), engine, invocation == null ? null : attempt));
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter text = new StringWriter();
        thrown.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
