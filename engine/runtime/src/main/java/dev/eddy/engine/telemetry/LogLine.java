package dev.eddy.engine.telemetry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One line a function logged, as the logs topic keeps it (JSON, keyed by the function's name).
 *
 * @param time       when it was logged, ISO-8601 in UTC
 * @param level      TRACE, DEBUG, INFO, WARN or ERROR
 * @param invocation the call it was logged in: {@code <topic>:<partition>:<offset>} of the record; null outside a
 *                   call (in open or close)
 * @param traceId    the W3C trace id of the call, or null when its record carried no trace
 * @param spanId     the call's span id, or null
 * @param error      the exception logged with it, with its stack trace, or null
 * @param engine     the engine instance that ran the call
 * @param attempt    which attempt at the record the call was (1 the first time), or null outside a call
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record LogLine(String time, String level, String function, String version, String invocation,
        String traceId, String spanId, String message, String error, String engine, Integer attempt) {

    public byte[] toJson() {
        return TelemetryJson.write(this);
    }

    /** @throws IllegalArgumentException when the bytes are not a log line */
    public static LogLine fromJson(byte[] json) {
        return TelemetryJson.read(json, LogLine.class, "a log line");
    }

    /** As {@code ./eddy logs} prints it: time, level, version, call and trace, message, then the error. */
    public String format() {
        StringBuilder line = new StringBuilder().append(time).append(' ').append(String.format("%-5s", level))
                .append(' ').append(function).append('@').append(version);
        if (invocation != null) {
            line.append(" [").append(invocation);
            if (attempt != null && attempt > 1) {
                line.append(" attempt ").append(attempt);
            }
            if (traceId != null) {
                line.append(" trace=").append(traceId);
            }
            line.append(']');
        }
        line.append(' ').append(message);
        if (error != null) {
            line.append('\n').append(error.stripTrailing());
        }
        return line.toString();
    }
}
