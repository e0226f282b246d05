package dev.eddy.sdk.events;

import java.time.Instant;
import java.util.Map;

/**
 * A log line or a syslog message, as the logs adapter publishes it ({@link AdapterEvents#logLines()} reads it).
 *
 * @param timestamp the time the line carries, or null when it has none
 * @param level     {@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR}, {@code FATAL} or
 *                  {@code UNKNOWN}; never null
 * @param message   the message; never null
 * @param fields    parsed fields: JSON keys, logfmt pairs, syslog structured data; never null
 * @param host      the host it came from, or null
 * @param file      the file it was read from, or null (syslog)
 * @param offset    its byte offset in that file, or null
 */
public record LogLine(Instant timestamp, String level, String message, Map<String, String> fields, String host,
        String file, Long offset) {

    public LogLine {
        level = level == null ? "UNKNOWN" : level;
        java.util.Objects.requireNonNull(message, "message");
        fields = fields == null ? Map.of() : Map.copyOf(fields);
    }
}
