package dev.eddy.sdk.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A device's readings, as the MQTT adapter publishes them ({@link AdapterEvents#telemetry()} reads them). Also read
 * from any JSON object of a device's numbers, such as {@code {"device": "d-7", "celsius": 21.5}}: each number is a
 * reading, {@code {"value": 40, "unit": "%"}} one reading with its unit, {@code ts}/{@code time}/{@code timestamp}
 * when it was measured, anything else an attribute.
 *
 * @param device     the device's id (the record key when the event has no {@code device}); never null
 * @param readings   what it measured; empty for a raw message
 * @param measuredAt when the device measured, if it said; null otherwise
 * @param attributes anything else it sent, as text (firmware, battery, the MQTT topic); never null
 * @param payload    the message as the device sent it, for a route that keeps it raw; null otherwise
 */
public record Telemetry(String device, List<Reading> readings, Instant measuredAt, Map<String, String> attributes,
        byte[] payload) {

    public Telemetry {
        java.util.Objects.requireNonNull(device, "device");
        readings = readings == null ? List.of() : List.copyOf(readings);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** One measured quantity: {@code temp = 21.5 Cel}. */
    public record Reading(String name, double value, String unit) {
        public Reading {
            java.util.Objects.requireNonNull(name, "name");
        }
    }

    /** The first reading of one of these names (say {@code "celsius", "temp", "temperature"}), if any. */
    public Optional<Reading> reading(String... names) {
        for (String name : names) {
            for (Reading reading : readings) {
                if (reading.name().equals(name)) {
                    return Optional.of(reading);
                }
            }
        }
        return Optional.empty();
    }
}
