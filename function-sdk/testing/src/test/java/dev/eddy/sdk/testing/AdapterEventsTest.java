package dev.eddy.sdk.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.sdk.CodecException;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Headers;
import dev.eddy.sdk.events.AdapterEvents;
import dev.eddy.sdk.events.CloudEvent;
import dev.eddy.sdk.events.HttpRequest;
import dev.eddy.sdk.events.LogLine;
import dev.eddy.sdk.events.RowChange;
import dev.eddy.sdk.events.Telemetry;
import dev.eddy.sdk.events.TimerTick;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The adapter events' JSON, as the adapters write it and as a device's own JSON comes. */
class AdapterEventsTest {

    @Test
    void shouldReadBackWhatItWritesForEveryKind() {
        Telemetry telemetry = new Telemetry("d-1", List.of(new Telemetry.Reading("temp", 21.5, "Cel")),
                Instant.parse("2026-12-06T10:00:00Z"), Map.of("mqtt.topic", "sensors/d-1/temp"), null);
        assertEquals(telemetry, roundTrip(AdapterEvents.telemetry(), telemetry));

        LogLine line = new LogLine(Instant.parse("2026-12-06T10:00:01Z"), "ERROR", "disk full", Map.of("app", "db"),
                "host-1", "/var/log/app.log", 1234L);
        assertEquals(line, roundTrip(AdapterEvents.logLines(), line));

        Map<String, String> after = new LinkedHashMap<>();
        after.put("id", "7");
        after.put("note", null);
        RowChange change = new RowChange(null, after, "c", new RowChange.Source("postgresql", "shop", "public",
                "orders", 1L, "false", 99L, 5L), 2L);
        assertEquals(change, roundTrip(AdapterEvents.rowChanges(), change));

        TimerTick tick = new TimerTick("report", "*/5 * * * *", Instant.parse("2026-12-06T10:05:00Z"),
                Instant.parse("2026-12-06T10:05:00.012Z"), 3);
        assertEquals(tick, roundTrip(AdapterEvents.timerTicks(), tick));

        HttpRequest request = new HttpRequest("POST", "/v1/events/orders", Map.of("key", "o-1"), Map.of(),
                "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
        HttpRequest read = roundTrip(AdapterEvents.httpRequests(), request);
        assertEquals("hello", read.bodyAsString());
        assertEquals(Map.of("key", "o-1"), read.query());
    }

    @Test
    void shouldReadADevicesOwnJsonAsTelemetry() {
        Telemetry telemetry = AdapterEvents.telemetry().decode(utf8("{\"device\": \"d-7\", \"celsius\": 21.5,"
                + " \"humidity\": {\"value\": 40, \"unit\": \"%\"}, \"ts\": 1796550000000, \"firmware\": \"1.2\"}"));
        assertEquals("d-7", telemetry.device());
        assertEquals(List.of(new Telemetry.Reading("celsius", 21.5, null), new Telemetry.Reading("humidity", 40, "%")),
                telemetry.readings());
        assertEquals(Instant.ofEpochMilli(1796550000000L), telemetry.measuredAt());
        assertEquals(Map.of("firmware", "1.2"), telemetry.attributes());
        assertEquals(21.5, telemetry.reading("temp", "celsius").orElseThrow().value());
    }

    @Test
    void shouldTakeTheDeviceFromTheEventWhenTheValueDoesNotSay() {
        Event event = Event.of("d-9".getBytes(StandardCharsets.UTF_8), utf8("{\"temp\": 19}"), Headers.empty(),
                Event.NO_TIMESTAMP, null);
        assertEquals("d-9", AdapterEvents.telemetry().decode(event, null).device());
    }

    @Test
    void shouldReadAnHttpRequestWhoseBodyIsTheValue() {
        Event event = Event.of(null, utf8("Ada"), Headers.empty(), Event.NO_TIMESTAMP, null)
                .withHeader(AdapterEvents.HTTP_METHOD, "POST").withHeader(AdapterEvents.HTTP_PATH, "/v1/invoke/greeter")
                .withHeader(AdapterEvents.HTTP_QUERY, "lang=en&x=a%20b").withHeader("content-type", "text/plain");
        HttpRequest request = AdapterEvents.httpRequests().decode(event, null);
        assertEquals("POST", request.method());
        assertEquals("/v1/invoke/greeter", request.path());
        assertEquals(Map.of("lang", "en", "x", "a b"), request.query());
        assertEquals("text/plain", request.contentType());
        assertArrayEquals(utf8("Ada"), request.body());
    }

    @Test
    void shouldSayWhatIsWrongWithWhatIsNotAnEvent() {
        CodecException notJson = assertThrows(CodecException.class,
                () -> AdapterEvents.logLines().decode(utf8("not json at all")));
        assertTrue(notJson.getMessage().startsWith("event:log-line: the value is neither JSON nor an Avro envelope"),
                notJson.getMessage());
        CodecException noReadings = assertThrows(CodecException.class,
                () -> AdapterEvents.telemetry().decode(utf8("{\"device\": \"d-1\", \"status\": \"ok\"}")));
        assertTrue(noReadings.getMessage().contains("no readings"), noReadings.getMessage());
        CodecException array = assertThrows(CodecException.class,
                () -> AdapterEvents.timerTicks().decode(utf8("[1, 2]")));
        assertTrue(array.getMessage().contains("not an object"), array.getMessage());
        CodecException avro = assertThrows(CodecException.class,
                () -> AdapterEvents.telemetry().decode(new byte[] {0, 0, 0, 0, 1, 2, 3}));
        assertTrue(avro.getMessage().contains("Avro"), avro.getMessage());
    }

    @Test
    void shouldReadTheCloudEventAttributesFromTheHeaders() {
        Event event = Event.of("k", "{}").withHeader("ce_specversion", "1.0").withHeader("ce_id", "e-1")
                .withHeader("ce_source", "mqtt://broker/sensors/d-1/temp").withHeader("ce_type", "dev.eddy.iot.telemetry")
                .withHeader("ce_time", "2026-12-06T10:00:00Z").withHeader("ce_subject", "d-1")
                .withHeader("content-type", "application/json");
        CloudEvent attributes = CloudEvent.of(event).orElseThrow();
        assertEquals(new CloudEvent("e-1", "mqtt://broker/sensors/d-1/temp", "dev.eddy.iot.telemetry",
                Instant.parse("2026-12-06T10:00:00Z"), "d-1", "application/json"), attributes);
        assertTrue(CloudEvent.of(Event.of("k", "v")).isEmpty());
        assertNull(CloudEvent.of(event.withHeader("ce_time", "yesterday")).orElseThrow().time());
    }

    private static <T> T roundTrip(dev.eddy.sdk.Codec<T> codec, T value) {
        return codec.decode(codec.encode(value));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
