package dev.eddy.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.schemas.events.ChangeEvent;
import dev.eddy.schemas.events.ChangeSource;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.HttpRequest;
import dev.eddy.schemas.events.LogLevel;
import dev.eddy.schemas.events.LogRecord;
import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.events.TimerTick;
import dev.eddy.schemas.serde.AvroSerde;
import dev.eddy.schemas.serde.MemorySchemaLookup;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every event schema round-trips through the wire format, and evolves only as its policy allows. */
class EventSchemasTest {

    private static final Instant TIME = Instant.parse("2026-11-27T10:15:30.123Z");
    private final AvroSerde serde = new AvroSerde(new MemorySchemaLookup());

    static Stream<Envelope> events() {
        Map<String, String> before = new HashMap<>();
        before.put("id", "7");
        before.put("email", null);
        return Stream.of(
                envelope("dev.eddy.iot.telemetry", Telemetry.newBuilder().setDevice("d-7")
                        .setReadings(List.of(new Reading("temperature", 21.5, "Cel"), new Reading("humidity", 40.0, "%")))
                        .setMeasuredAt(TIME.minusSeconds(1)).setAttributes(Map.of("firmware", "1.2")).build()),
                envelope("dev.eddy.log.record", LogRecord.newBuilder().setTimestamp(TIME).setLevel(LogLevel.ERROR)
                        .setMessage("disk full\n\tat Writer.write").setFields(Map.of("service", "billing"))
                        .setHost("web-1").setFile("/var/log/app.log").setOffset(4096L).build()),
                envelope("dev.eddy.db.change", ChangeEvent.newBuilder().setBefore(before)
                        .setAfter(Map.of("id", "7", "email", "a@example.com")).setOp("u")
                        .setSource(ChangeSource.newBuilder().setConnector("postgresql").setDb("test")
                                .setSchema$("public").setTable("customers").setTsMs(TIME.toEpochMilli())
                                .setLsn(123456L).setTxId(42L).build())
                        .setTsMs(TIME.toEpochMilli() + 5).build()),
                envelope("dev.eddy.timer.tick", TimerTick.newBuilder().setSchedule("hourly").setExpression("0 * * * *")
                        .setScheduledAt(TIME).setFiredAt(TIME.plusMillis(3)).setSequence(17).build()),
                envelope("dev.eddy.http.request", HttpRequest.newBuilder().setMethod("POST").setPath("/v1/events/in")
                        .setQuery(Map.of("a", "1")).setHeaders(Map.of("content-type", "application/json"))
                        .setContentType("application/json")
                        .setBody(ByteBuffer.wrap("{\"x\":1}".getBytes(StandardCharsets.UTF_8)))
                        .setRemoteAddress("127.0.0.1").build()));
    }

    private static Envelope envelope(String type, Object data) {
        return Envelope.newBuilder().setId("id-" + type).setSource("test://eddy").setType(type).setTime(TIME)
                .setSubject("subject").setData(data).build();
    }

    @ParameterizedTest
    @MethodSource("events")
    void shouldRoundTripEveryEventThroughTheWireFormat(Envelope event) {
        byte[] bytes = serde.serialize("events-value", event);
        assertEquals(0, bytes[0], "the magic byte");
        assertEquals(event, serde.deserialize(bytes, Envelope.class));
        GenericRecord generic = serde.deserialize(bytes);
        assertEquals(event.getType(), generic.get("type").toString());
        assertEquals("1.0", generic.get("specversion").toString());
        assertEquals("application/avro", generic.get("datacontenttype").toString());
        assertEquals(event.getData().getClass().getSimpleName(),
                ((GenericRecord) generic.get("data")).getSchema().getName());
        assertEquals(EventSchemas.PAYLOADS.get(event.getType()).getFullName(),
                ((GenericRecord) generic.get("data")).getSchema().getFullName());
    }

    @Test
    void shouldKeepEverySchemaBackwardCompatibleWithTheReleasedOne() throws IOException {
        Map<String, Schema> released = released();
        for (Schema schema : EventSchemas.all()) {
            Schema before = released.get(schema.getFullName());
            assertNotNull(before, schema.getFullName() + " has no released version in src/test/resources/released;"
                    + " copy it there when it is released");
            assertNull(EventSchemas.backwardIncompatibility(schema, before), () -> schema.getFullName()
                    + " breaks " + EventSchemas.POLICY + " compatibility with the released schema: "
                    + EventSchemas.backwardIncompatibility(schema, before));
        }
    }

    @Test
    void shouldCatchAChangeThatBreaksBackwardCompatibility() {
        Schema released = Telemetry.getClassSchema();
        Schema requiredFieldAdded = SchemaBuilder.record("Telemetry").namespace("dev.eddy.schemas.events").fields()
                .requiredString("device").requiredString("site").endRecord();
        String why = EventSchemas.backwardIncompatibility(requiredFieldAdded, released);
        assertNotNull(why, "a new field without a default cannot be read from old events");
        assertTrue(why.contains("site"), why);

        Schema optionalFieldAdded = SchemaBuilder.record("Telemetry").namespace("dev.eddy.schemas.events").fields()
                .requiredString("device").name("site").type().stringType().stringDefault("unknown").endRecord();
        assertNull(EventSchemas.backwardIncompatibility(optionalFieldAdded, released));
    }

    /** The released schemas, parsed in the order their references need. */
    private static Map<String, Schema> released() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> schemas = new HashMap<>();
        for (String name : List.of("Reading", "ChangeSource", "Telemetry", "LogRecord", "ChangeEvent", "TimerTick",
                "HttpRequest", "Envelope")) {
            try (InputStream in = EventSchemasTest.class.getResourceAsStream("/released/" + name + ".avsc")) {
                Schema schema = parser.parse(in);
                schemas.put(schema.getFullName(), schema);
            }
        }
        return schemas;
    }
}
