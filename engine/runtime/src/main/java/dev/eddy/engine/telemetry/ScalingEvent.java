package dev.eddy.engine.telemetry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.eddy.engine.FunctionDefinition;
import java.time.Instant;
import java.util.Locale;

/**
 * A scaling decision of one function on one engine, as the events topic keeps it (JSON, keyed by function).
 *
 * @param time     when, ISO-8601 in UTC
 * @param engine   the engine's instance id
 * @param kind     {@code desired}: the scaling controller asks for another count (from → to, for every engine
 *                 that runs the function); {@code workers}: this engine runs another number of workers (0 is scaled
 *                 to zero, 0 → 1 a wake-up)
 * @param reason   why, with the figures it was decided on
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ScalingEvent(String time, String engine, String function, String version, String kind, int from,
        int to, String reason) {

    public static final String DESIRED = "desired";
    public static final String WORKERS = "workers";

    /** The scaling controller asks for another count. */
    public static ScalingEvent desired(FunctionDefinition function, int from, int to, String reason) {
        return new ScalingEvent(Instant.now().toString(), null, function.name(), function.version(), DESIRED, from,
                to, reason);
    }

    /** The engine runs another number of workers for the function. */
    public static ScalingEvent workers(FunctionDefinition function, int from, int to, String reason) {
        return new ScalingEvent(Instant.now().toString(), null, function.name(), function.version(), WORKERS, from,
                to, reason);
    }

    /** The same event, from this engine. */
    public ScalingEvent on(String engine) {
        return new ScalingEvent(time, engine, function, version, kind, from, to, reason);
    }

    public byte[] toJson() {
        return TelemetryJson.write(this);
    }

    /** @throws IllegalArgumentException when the bytes are not a scaling event */
    public static ScalingEvent fromJson(byte[] json) {
        return TelemetryJson.read(json, ScalingEvent.class, "a scaling event");
    }

    /** One line for a terminal: time, engine, function, what changed and why. */
    public String format() {
        String what = DESIRED.equals(kind) ? "desired workers" : "workers here";
        return String.format(Locale.ROOT, "%s  %-10s %-24s %s %d → %d  %s", time, engine, function, what, from, to,
                reason);
    }
}
