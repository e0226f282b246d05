package dev.eddy.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.serde.AvroSerde;
import dev.eddy.schemas.serde.MemorySchemaLookup;
import dev.eddy.schemas.serde.SerdeException;
import dev.eddy.schemas.serde.SerdeException.Reason;
import dev.eddy.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Bytes that are not a framed record fail each in its own way, with the value and what was expected. */
class WireFormatTest {

    private final MemorySchemaLookup registry = new MemorySchemaLookup();
    private final AvroSerde serde = new AvroSerde(registry);
    private final Telemetry telemetry = Telemetry.newBuilder().setDevice("d-1")
            .setReadings(List.of(new Reading("temperature", 20.5, "Cel"))).build();

    @Test
    void shouldFrameWithTheMagicByteAndTheSchemaIdBigEndian() {
        byte[] framed = WireFormat.frame(258, new byte[] {7});
        assertEquals(List.of((byte) 0, (byte) 0, (byte) 0, (byte) 1, (byte) 2, (byte) 7), toList(framed));
        assertEquals(258, WireFormat.parse(framed).schemaId());
    }

    @Test
    void shouldTellAWrongMagicByte() {
        SerdeException error = assertThrows(SerdeException.class,
                () -> serde.deserialize("{\"device\":\"d-1\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Reason.WRONG_MAGIC_BYTE, error.reason());
        assertTrue(error.getMessage().contains("0x7b") && error.getMessage().contains("7b226465"), error.getMessage());
    }

    @Test
    void shouldTellAnUnknownSchemaId() {
        byte[] bytes = serde.serialize("t-value", telemetry);
        bytes[4] = 99;
        SerdeException error = assertThrows(SerdeException.class, () -> serde.deserialize(bytes, Telemetry.class));
        assertEquals(Reason.UNKNOWN_SCHEMA_ID, error.reason());
        assertTrue(error.getMessage().contains("99"), error.getMessage());
    }

    @Test
    void shouldTellATruncatedHeaderAndATruncatedRecord() {
        assertEquals(Reason.TRUNCATED, assertThrows(SerdeException.class,
                () -> serde.deserialize(new byte[] {0, 0, 1})).reason());
        assertEquals(Reason.TRUNCATED, assertThrows(SerdeException.class,
                () -> serde.deserialize(new byte[0])).reason());
        byte[] bytes = serde.serialize("t-value", telemetry);
        SerdeException cut = assertThrows(SerdeException.class,
                () -> serde.deserialize(Arrays.copyOf(bytes, bytes.length - 3), Telemetry.class));
        assertEquals(Reason.TRUNCATED, cut.reason());
        assertTrue(cut.getMessage().contains("Telemetry"), cut.getMessage());
    }

    @Test
    void shouldTellBytesLeftAfterTheRecord() {
        byte[] bytes = serde.serialize("t-value", telemetry);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 2);
        assertEquals(Reason.MALFORMED, assertThrows(SerdeException.class, () -> serde.deserialize(longer)).reason());
    }

    @Test
    void shouldReadOldEventsWithANewerCompatibleSchema() {
        Schema v1 = SchemaBuilder.record("Thing").namespace("test").fields().requiredString("name").endRecord();
        Schema v2 = SchemaBuilder.record("Thing").namespace("test").fields().requiredString("name")
                .name("size").type().intType().intDefault(3).endRecord();
        GenericRecord old = new GenericData.Record(v1);
        old.put("name", "a");
        byte[] bytes = serde.serialize("thing-value", old);
        GenericRecord read = serde.deserialize(bytes);
        assertEquals("a", read.get("name").toString());
        assertEquals(v1, read.getSchema(), "generic reads keep the writer's schema");
        assertEquals(1, registry.register("thing-value", v1));
        assertEquals(2, registry.register("thing-value", v2));
    }

    private static List<Byte> toList(byte[] bytes) {
        Byte[] boxed = new Byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            boxed[i] = bytes[i];
        }
        return List.of(boxed);
    }
}
