package dev.eddy.engine.telemetry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What one function used on one engine over one period, as the usage topic keeps it (JSON, keyed by function).
 *
 * @param from        the period's start, ISO-8601 in UTC
 * @param to          its end
 * @param invocations handler calls in the period (a batch is one call; every attempt of a retried record counts)
 * @param billedMs    the calls' durations, each rounded up to the millisecond
 * @param memoryMb    the function's memory class
 * @param gbSeconds   memory class × billed duration, in gigabyte-seconds (1 GB = 1024 MB)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UsageRecord(String function, String version, String engine, String from, String to,
        long invocations, long billedMs, int memoryMb, double gbSeconds) {

    public byte[] toJson() {
        return TelemetryJson.write(this);
    }

    /** @throws IllegalArgumentException when the bytes are not a usage record */
    public static UsageRecord fromJson(byte[] json) {
        return TelemetryJson.read(json, UsageRecord.class, "a usage record");
    }
}
