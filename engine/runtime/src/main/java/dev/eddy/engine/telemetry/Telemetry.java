package dev.eddy.engine.telemetry;

import dev.eddy.observability.Tracing;
import java.util.function.Consumer;

/**
 * What an engine gives its functions to be observed by: tracing (spans continued from the records' trace context),
 * where their structured log lines go, and the engine's name for them.
 *
 * @param logs where log lines go besides the engine's log; null for nowhere
 */
public record Telemetry(Tracing tracing, Consumer<LogLine> logs, String engine) {

    /** Traces carried but not exported, logs to the engine's log only: for functions run outside an engine. */
    public static final Telemetry LOCAL = new Telemetry(Tracing.noExport("eddy-engine"), null, "local");
}
