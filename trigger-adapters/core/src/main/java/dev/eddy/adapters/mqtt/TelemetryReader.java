package dev.eddy.adapters.mqtt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a device's message as {@link Telemetry}. A JSON number is one reading (named by the route's {@code
 * {quantity}}, else the topic's last level); a JSON object's numbers are readings by field name, an object with a
 * numeric {@code value} (and a {@code unit}) one reading, {@code ts}/{@code time}/{@code timestamp} when it was
 * measured (epoch milliseconds or ISO-8601), and anything else an attribute as text. A raw route keeps the bytes.
 */
final class TelemetryReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TIME_FIELDS = Set.of("ts", "time", "timestamp", "measuredAt");

    /** The payload is not telemetry: it goes to the dead-letter topic with this message. */
    static final class NotTelemetry extends Exception {
        private static final long serialVersionUID = 1L;

        NotTelemetry(String message) {
            super(message);
        }
    }

    private TelemetryReader() {
    }

    static Telemetry read(MqttRoute route, String device, String mqttTopic, Map<String, String> names, byte[] payload)
            throws NotTelemetry {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("mqtt.topic", mqttTopic);
        Telemetry.Builder telemetry = Telemetry.newBuilder().setDevice(device).setReadings(List.of());
        if (route.payload() == MqttRoute.Payload.RAW) {
            return telemetry.setAttributes(attributes).setPayload(ByteBuffer.wrap(payload)).build();
        }
        JsonNode json;
        try {
            json = JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new NotTelemetry("the payload is not JSON (" + e.getOriginalMessage() + "); give the route payload:"
                    + " raw to keep such messages as they are");
        } catch (IOException e) {
            throw new NotTelemetry("the payload cannot be read: " + e.getMessage());
        }
        List<Reading> readings = new ArrayList<>();
        if (json != null && json.isNumber()) {
            String name = names.getOrDefault("quantity", mqttTopic.substring(mqttTopic.lastIndexOf('/') + 1));
            readings.add(reading(route, name, json.asDouble(), null));
        } else if (json != null && json.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = json.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String name = field.getKey();
                JsonNode value = field.getValue();
                if (TIME_FIELDS.contains(name) && telemetry.getMeasuredAt() == null) {
                    telemetry.setMeasuredAt(time(name, value));
                } else if (value.isNumber()) {
                    readings.add(reading(route, name, value.asDouble(), null));
                } else if (value.isObject() && value.path("value").isNumber()) {
                    readings.add(reading(route, name, value.get("value").asDouble(),
                            value.path("unit").isTextual() ? value.get("unit").asText() : null));
                } else if (!value.isNull()) {
                    attributes.put(name, value.isValueNode() ? value.asText() : value.toString());
                }
            }
        } else {
            throw new NotTelemetry("the payload is JSON but neither a number nor an object of readings: "
                    + abbreviate(json == null ? "" : json.toString()));
        }
        return telemetry.setReadings(readings).setAttributes(attributes).build();
    }

    private static Reading reading(MqttRoute route, String name, double value, String unit) {
        return new Reading(name, value, unit != null ? unit : route.units().getOrDefault(name, ""));
    }

    private static Instant time(String field, JsonNode value) throws NotTelemetry {
        if (value.isIntegralNumber()) {
            return Instant.ofEpochMilli(value.asLong());
        }
        if (value.isTextual()) {
            try {
                return Instant.parse(value.asText());
            } catch (DateTimeParseException e) {
                throw new NotTelemetry("'" + field + "' is '" + abbreviate(value.asText()) + "': it must be epoch"
                        + " milliseconds or an ISO-8601 instant such as 2026-11-27T10:15:30Z");
            }
        }
        throw new NotTelemetry("'" + field + "' is " + abbreviate(value.toString()) + ": it must be epoch"
                + " milliseconds or an ISO-8601 instant");
    }

    private static String abbreviate(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 80 ? clean.substring(0, 80) + "…" : clean;
    }
}
