package dev.eddy.engine.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON of the records the engine writes to its own topics (log lines, usage, scaling events and reports):
 * written, and read leniently.
 */
public final class TelemetryJson {

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private TelemetryJson() {
    }

    public static byte[] write(Object record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException when the bytes are not such a record, saying what was expected */
    public static <T> T read(byte[] json, Class<T> type, String what) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("not " + what + ": " + e.getMessage(), e);
        }
    }
}
