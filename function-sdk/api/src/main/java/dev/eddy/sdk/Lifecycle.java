package dev.eddy.sdk;

/** What every kind of handler may do around its calls: set up before the first, let go after the last. */
public interface Lifecycle {

    /**
     * Called once before the first event, with the function's environment: the place to read configuration and
     * secrets and to open clients. Throwing fails the deployment with the exception's message.
     */
    default void open(Environment environment) throws Exception {
    }

    /** Called once after the last event, when the function is stopped or replaced. */
    default void close() throws Exception {
    }

    /**
     * The tables the function looks keys up in ({@link Environment#table}); none unless overridden. The engine
     * reads each to its end before the first event.
     */
    default java.util.List<TableSpec<?>> tables() {
        return java.util.List.of();
    }
}
