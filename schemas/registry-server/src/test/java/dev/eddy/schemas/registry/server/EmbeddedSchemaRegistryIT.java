package dev.eddy.schemas.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.registry.RegistryException;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.serde.AvroSerde;
import dev.eddy.schemas.serde.SerdeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Eddy's embedded registry on a real broker, driven by Eddy's own registry client through the Confluent API. */
@ExtendWith(EmbeddedKafkaExtension.class)
class EmbeddedSchemaRegistryIT {

    private static final Schema V1 = SchemaBuilder.record("Thing").namespace("test").fields()
            .requiredString("name").endRecord();
    private static final Schema V2 = SchemaBuilder.record("Thing").namespace("test").fields()
            .requiredString("name").name("size").type().intType().intDefault(3).endRecord();
    private static final Schema BREAKING = SchemaBuilder.record("Thing").namespace("test").fields()
            .requiredString("name").requiredLong("weight").endRecord();

    @Test
    void shouldRegisterLookUpAndEvolveSchemasAsItsCompatibilityAllows(TestKafka kafka) throws Exception {
        String subject = kafka.uniqueName("things") + "-value";
        try (EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()),
                kafka.admin(), "127.0.0.1", 0);
                SchemaRegistryClient client = SchemaRegistryClient.builder(registry.url()).build()) {
            int first = client.registerSchema(subject, V1);
            assertEquals(first, client.registerSchema(subject, V1), "the same schema keeps its id");
            assertEquals(1, client.lookup(subject, V1).orElseThrow().version());
            assertTrue(client.lookup(subject, V2).isEmpty());
            assertEquals(V1, client.schemaById(first));
            assertTrue(client.subjects().contains(subject));

            assertTrue(client.isCompatible(subject, V2));
            int second = client.registerSchema(subject, V2);
            assertNotEquals(first, second);
            assertEquals(List.of(1, 2), client.versions(subject));
            assertEquals(second, client.version(subject, "latest").id());

            assertFalse(client.isCompatible(subject, BREAKING));
            RegistryException refused = assertThrows(RegistryException.class,
                    () -> client.registerSchema(subject, BREAKING));
            assertEquals(409, refused.status());
            assertTrue(refused.getMessage().contains("weight"), refused.getMessage());

            assertEquals("BACKWARD", client.compatibility(subject));
            client.setCompatibility(subject, "NONE");
            assertEquals("NONE", client.compatibility(subject));
            client.registerSchema(subject, BREAKING);
            assertEquals(List.of(1, 2, 3), client.versions(subject));

            RegistryException unknown = assertThrows(RegistryException.class, () -> client.schemaById(99_999));
            assertEquals(RegistryException.SCHEMA_NOT_FOUND, unknown.errorCode());
            assertEquals(SerdeException.Reason.UNKNOWN_SCHEMA_ID,
                    assertThrows(SerdeException.class, () -> client.schema(99_999)).reason());
            assertEquals(RegistryException.SUBJECT_NOT_FOUND,
                    assertThrows(RegistryException.class, () -> client.versions("no-such-subject")).errorCode());

            HttpResponse<String> invalid = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(registry.url() + "/subjects/" + subject + "/versions"))
                    .header("Content-Type", SchemaRegistryClient.CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"schema\": \"{\\\"type\\\": \\\"recrod\\\"}\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(422, invalid.statusCode());
            JsonNode error = new ObjectMapper().readTree(invalid.body());
            assertEquals(42201, error.get("error_code").asInt(), invalid.body());
            assertTrue(error.get("message").asText().contains("Invalid schema"), invalid.body());
        }
    }

    @Test
    void shouldKeepSchemasAndTheirIdsAcrossARestart(TestKafka kafka) throws Exception {
        String subject = kafka.uniqueName("telemetry") + "-value";
        Envelope event = Envelope.newBuilder().setId("1").setSource("test://registry").setType("dev.eddy.iot.telemetry")
                .setTime(Instant.parse("2026-11-27T00:00:00Z")).setData(Telemetry.newBuilder().setDevice("d-1")
                        .setReadings(List.of(new Reading("temperature", 21.0, "Cel"))).build()).build();
        byte[] bytes;
        int id;
        try (EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()),
                kafka.admin(), "127.0.0.1", 0);
                SchemaRegistryClient client = SchemaRegistryClient.builder(registry.url()).build()) {
            bytes = new AvroSerde(client).serialize(subject, event);
            id = client.lookup(subject, Envelope.getClassSchema()).orElseThrow().id();
        }
        try (EmbeddedSchemaRegistry restarted = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()),
                kafka.admin(), "127.0.0.1", 0);
                SchemaRegistryClient client = SchemaRegistryClient.builder(restarted.url()).build()) {
            assertEquals(id, client.lookup(subject, Envelope.getClassSchema()).orElseThrow().id());
            assertEquals(event, new AvroSerde(client).deserialize(bytes, Envelope.class),
                    "an event written before the restart reads after it");
        }
    }

    @Test
    void shouldServeTheSameSchemasUnderTheSameIdsFromEveryRegistryOnTheTopic(TestKafka kafka) throws Exception {
        String prefix = kafka.uniqueName("shared");
        int schemas = 24;
        try (EmbeddedSchemaRegistry a = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()), kafka.admin(),
                "127.0.0.1", 0);
                EmbeddedSchemaRegistry b = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()), kafka.admin(),
                        "127.0.0.1", 0);
                SchemaRegistryClient toA = SchemaRegistryClient.builder(a.url()).build();
                SchemaRegistryClient toB = SchemaRegistryClient.builder(b.url()).build();
                var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            // Distinct schemas, each registered through both registries at once.
            List<java.util.concurrent.Future<int[]>> registered = new java.util.ArrayList<>();
            for (int i = 0; i < schemas; i++) {
                String subject = prefix + "-" + i + "-value";
                Schema schema = SchemaBuilder.record("Thing" + i).namespace("shared").fields()
                        .requiredString("name").endRecord();
                java.util.concurrent.Future<Integer> viaA = pool.submit(() -> toA.registerSchema(subject, schema));
                java.util.concurrent.Future<Integer> viaB = pool.submit(() -> toB.registerSchema(subject, schema));
                registered.add(pool.submit(() -> new int[] {viaA.get(), viaB.get()}));
            }
            java.util.Set<Integer> ids = new java.util.HashSet<>();
            for (int i = 0; i < schemas; i++) {
                int[] both = registered.get(i).get();
                assertEquals(both[0], both[1], "one schema, one id, whichever registry was asked");
                ids.add(both[0]);
                String subject = prefix + "-" + i + "-value";
                assertEquals(List.of(1), toA.versions(subject), "registered twice at once, one version");
                assertEquals(toA.schemaById(both[0]), toB.schemaById(both[0]));
            }
            assertEquals(schemas, ids.size(), "no id handed out twice");

            // Two evolutions of one subject that cannot both be its next version, proposed at once.
            String contested = prefix + "-contested-value";
            Schema base = SchemaBuilder.record("Contested").namespace("shared").fields()
                    .requiredString("name").endRecord();
            toA.registerSchema(contested, base);
            Schema sizeAsInt = SchemaBuilder.record("Contested").namespace("shared").fields()
                    .requiredString("name").name("size").type().intType().intDefault(3).endRecord();
            Schema sizeAsText = SchemaBuilder.record("Contested").namespace("shared").fields()
                    .requiredString("name").name("size").type().stringType().stringDefault("m").endRecord();
            java.util.concurrent.Future<Integer> first = pool.submit(() -> toA.registerSchema(contested, sizeAsInt));
            java.util.concurrent.Future<Integer> second = pool.submit(() -> toB.registerSchema(contested, sizeAsText));
            int won = 0;
            int refused = 0;
            for (java.util.concurrent.Future<Integer> attempt : List.of(first, second)) {
                try {
                    attempt.get();
                    won++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertEquals(409, ((RegistryException) e.getCause()).status(), e.getCause().getMessage());
                    refused++;
                }
            }
            assertEquals(1, won, "exactly one becomes version 2");
            assertEquals(1, refused);
            assertEquals(List.of(1, 2), toA.versions(contested));
            assertEquals(toA.version(contested, "latest").schema(), toB.version(contested, "latest").schema());
        }
        try (EmbeddedSchemaRegistry later = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()), kafka.admin(),
                "127.0.0.1", 0);
                SchemaRegistryClient client = SchemaRegistryClient.builder(later.url()).build()) {
            for (int i = 0; i < schemas; i++) {
                assertEquals(List.of(1), client.versions(prefix + "-" + i + "-value"));
            }
            assertEquals(List.of(1, 2), client.versions(prefix + "-contested-value"));
        }
    }
}
