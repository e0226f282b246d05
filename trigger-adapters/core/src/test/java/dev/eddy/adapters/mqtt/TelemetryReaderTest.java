package dev.eddy.adapters.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.Settings;
import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryReaderTest {

    private final MqttRoute route = MqttRoute.read(Settings.parse(
            "filter: s/{device}/{quantity}\ntopic: t\nunits: {temp: Cel, hum: '%'}\n", name -> null));

    private Telemetry read(String topic, String payload) throws TelemetryReader.NotTelemetry {
        return TelemetryReader.read(route, "d-1", topic, route.match(topic), payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadABareNumberAsTheReadingTheTopicNames() throws Exception {
        Telemetry telemetry = read("s/d-1/temp", "21.5");
        assertEquals(List.of(new Reading("temp", 21.5, "Cel")), telemetry.getReadings());
        assertEquals("d-1", telemetry.getDevice());
        assertEquals(Map.of("mqtt.topic", "s/d-1/temp"), telemetry.getAttributes());
        assertNull(telemetry.getMeasuredAt());
        assertNull(telemetry.getPayload());
    }

    @Test
    void shouldReadAnObjectsNumbersAsReadingsItsTimeAndTheRestAsAttributes() throws Exception {
        Telemetry telemetry = read("s/d-1/env", "{\"temp\": 20, \"hum\": 41.5, \"co2\": {\"value\": 612, \"unit\":"
                + " \"ppm\"}, \"time\": \"2026-11-27T10:15:30Z\", \"ok\": true, \"tags\": [\"a\"], \"none\": null}");
        assertEquals(List.of(new Reading("temp", 20.0, "Cel"), new Reading("hum", 41.5, "%"),
                new Reading("co2", 612.0, "ppm")), telemetry.getReadings());
        assertEquals(Instant.parse("2026-11-27T10:15:30Z"), telemetry.getMeasuredAt());
        assertEquals("true", telemetry.getAttributes().get("ok"));
        assertEquals("[\"a\"]", telemetry.getAttributes().get("tags"));
        assertTrue(!telemetry.getAttributes().containsKey("none"));
    }

    @Test
    void shouldSayWhyAPayloadIsNotTelemetry() {
        assertTrue(assertThrows(TelemetryReader.NotTelemetry.class, () -> read("s/d-1/t", "{oops"))
                .getMessage().startsWith("the payload is not JSON"));
        assertTrue(assertThrows(TelemetryReader.NotTelemetry.class, () -> read("s/d-1/t", "\"text\""))
                .getMessage().contains("neither a number nor an object"));
        assertEquals("'ts' is 'yesterday': it must be epoch milliseconds or an ISO-8601 instant such as"
                + " 2026-11-27T10:15:30Z", assertThrows(TelemetryReader.NotTelemetry.class,
                        () -> read("s/d-1/t", "{\"ts\": \"yesterday\", \"temp\": 1}")).getMessage());
    }

    @Test
    void shouldKeepARawRoutesPayloadAsItCame() throws Exception {
        MqttRoute raw = MqttRoute.read(Settings.parse("filter: cam/#\ntopic: t\npayload: raw\n", name -> null));
        byte[] bytes = {(byte) 0xff, 0, 1};
        Telemetry telemetry = TelemetryReader.read(raw, "cam/1", "cam/1", Map.of(), bytes);
        assertEquals(List.of(), telemetry.getReadings());
        byte[] kept = new byte[telemetry.getPayload().remaining()];
        telemetry.getPayload().get(kept);
        assertEquals(List.of((byte) 0xff, (byte) 0, (byte) 1), List.of(kept[0], kept[1], kept[2]));
    }
}
