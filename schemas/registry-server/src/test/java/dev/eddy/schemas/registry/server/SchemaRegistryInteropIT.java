package dev.eddy.schemas.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Reading;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.serde.AvroSerde;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confluent's own Node.js Schema Registry client (npm {@code @confluentinc/schemaregistry}, run by the real {@code
 * node}) against Eddy's embedded registry: it registers a schema and writes a record that Eddy's Java serde reads,
 * and reads a record Eddy's serde wrote. The example's packages are installed by {@code ./eddy test} ({@code npm ci}).
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class SchemaRegistryInteropIT {

    private static final Path EXAMPLE = Path.of("..", "..", "examples", "schema-interop");

    @BeforeAll
    static void findTheNodeClient() {
        assertTrue(Files.isDirectory(EXAMPLE.resolve("node_modules").resolve("@confluentinc").resolve("schemaregistry")),
                "the Node.js client is not installed in " + EXAMPLE + ": run the tests with ./eddy test, which"
                        + " installs it (npm ci there)");
    }

    @Test
    void shouldReadWhatTheConfluentNodeClientWritesAndTheOtherWayRound(TestKafka kafka, @TempDir Path dir)
            throws Exception {
        try (EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()),
                kafka.admin(), "127.0.0.1", 0);
                SchemaRegistryClient client = SchemaRegistryClient.builder(registry.url()).build()) {
            AvroSerde serde = new AvroSerde(client);

            // Node registers Eddy's telemetry schema and writes a record; Eddy reads it as its generated class.
            String fromNode = kafka.uniqueName("node-telemetry") + "-value";
            Path schema = Files.writeString(dir.resolve("telemetry.avsc"), Telemetry.getClassSchema().toString());
            Path record = Files.writeString(dir.resolve("record.json"), "{\"device\": \"d-7\", \"readings\":"
                    + " [{\"name\": \"temperature\", \"value\": 21.5, \"unit\": \"Cel\"}], \"measuredAt\": null,"
                    + " \"attributes\": {\"firmware\": \"1.2\"}}");
            Result written = run(EXAMPLE, 60, "node", "interop.js", registry.url(), fromNode, "write",
                    schema.toAbsolutePath().toString(), record.toAbsolutePath().toString());
            assertEquals(0, written.status, written.output);
            byte[] bytes = Base64.getDecoder().decode(written.output.trim());
            assertEquals(0, bytes[0], "the wire format's magic byte");
            Telemetry read = serde.deserialize(bytes, Telemetry.class);
            assertEquals(Telemetry.newBuilder().setDevice("d-7")
                    .setReadings(List.of(new Reading("temperature", 21.5, "Cel")))
                    .setAttributes(Map.of("firmware", "1.2")).build(), read);
            assertEquals(client.lookup(fromNode, Telemetry.getClassSchema()).orElseThrow().id(),
                    java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt(), "the id the Node client framed it with");

            // Eddy writes a record (registering its schema); Node reads it.
            String fromEddy = kafka.uniqueName("eddy-telemetry") + "-value";
            byte[] eddyBytes = serde.serialize(fromEddy, Telemetry.newBuilder().setDevice("d-9")
                    .setReadings(List.of(new Reading("humidity", 40.0, "%"))).build());
            Result readByNode = run(EXAMPLE, 60, "node", "interop.js", registry.url(), fromEddy, "read",
                    Base64.getEncoder().encodeToString(eddyBytes));
            assertEquals(0, readByNode.status, readByNode.output);
            JsonNode json = new ObjectMapper().readTree(readByNode.output);
            assertEquals("d-9", json.get("device").asText(), readByNode.output);
            assertEquals("humidity", json.at("/readings/0/name").asText(), readByNode.output);
            assertEquals(40.0, json.at("/readings/0/value").asDouble(), readByNode.output);
        }
    }

    /**
     * Deletion (soft, then permanent), subject-level configuration and the schema types, through Confluent's Node.js
     * client and through curl, each answer as Confluent's API documents it.
     */
    @Test
    void shouldDeleteAndConfigureAsConfluentDocuments(TestKafka kafka) throws Exception {
        try (EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()),
                kafka.admin(), "127.0.0.1", 0)) {
            String subject = kafka.uniqueName("deleted") + "-value";
            Result result = run(EXAMPLE, 60, "node", "registry-api.js", registry.url(), subject);
            assertEquals(0, result.status, result.output);
            Map<String, JsonNode> said = new java.util.LinkedHashMap<>();
            for (String line : result.output.strip().split("\n")) {
                JsonNode json = new ObjectMapper().readTree(line);
                said.put(json.get("call").asText(), json.has("error") ? json.get("error") : json.get("answer"));
            }
            int first = said.get("register v1").asInt();
            assertTrue(said.get("register v2").asInt() > first, result.output);
            Map<String, String> expected = new java.util.LinkedHashMap<>();
            expected.put("config of the subject", "40408");
            expected.put("set the subject to FULL", "\"FULL\"");
            expected.put("config of the subject again", "\"FULL\"");
            expected.put("delete version 2 for good first", "40407");
            expected.put("delete version 2", "2");
            expected.put("delete version 2 again", "40406");
            expected.put("versions", "[1]");
            expected.put("version 2, deleted ones too", "2");
            expected.put("delete version 2 for good", "2");
            expected.put("delete the subject for good first", "40405");
            expected.put("delete the subject", "[1]");
            expected.put("delete the subject again", "40404");
            expected.put("subject listed", "false");
            expected.put("versions after", "40401");
            expected.put("delete the subject for good", "[1]");
            expected.put("versions anew", "[1]");
            Map<String, String> answered = new java.util.LinkedHashMap<>();
            expected.keySet().forEach(call -> answered.put(call, String.valueOf(said.get(call))));
            assertEquals(expected, answered, result.output);
            assertTrue(said.get("register v1 anew").asInt() > said.get("register v2").asInt(),
                    "an id deleted for good is not given again: " + result.output);

            // curl, as a user would.
            String other = kafka.uniqueName("curl") + "-value";
            String url = registry.url();
            assertEquals("200 [\"AVRO\"]", curl("GET", url + "/schemas/types", null));
            assertEquals("404 {\"error_code\":40408,\"message\":\"Subject '" + other + "' does not have"
                    + " subject-level compatibility configured\"}", curl("GET", url + "/config/" + other, null));
            assertEquals("200 {\"compatibilityLevel\":\"BACKWARD\"}",
                    curl("GET", url + "/config/" + other + "?defaultToGlobal=true", null));
            String schema = "{\"schema\": \"\\\"string\\\"\"}";
            assertTrue(curl("POST", url + "/subjects/" + other + "/versions", schema).startsWith("200 {\"id\":"));
            assertEquals("200 [1]", curl("DELETE", url + "/subjects/" + other, null));
            assertEquals("404", curl("GET", url + "/subjects/" + other + "/versions", null).substring(0, 3));
            assertEquals("200 [1]", curl("GET", url + "/subjects/" + other + "/versions?deleted=true", null));
            assertEquals("200 [1]", curl("DELETE", url + "/subjects/" + other + "?permanent=true", null));
            assertEquals("404", curl("GET", url + "/subjects/" + other + "/versions?deleted=true", null)
                    .substring(0, 3));
        }
    }

    /** The status and body curl got. */
    private static String curl(String method, String url, String body) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-w", "\n%{http_code}", "-X", method, url));
        if (body != null) {
            command.addAll(List.of("-H", "Content-Type: application/vnd.schemaregistry.v1+json", "-d", body));
        }
        Result result = run(Path.of("."), 30, command.toArray(String[]::new));
        assertEquals(0, result.status, result.output);
        String output = result.output;
        int newline = output.lastIndexOf('\n');
        return output.substring(newline + 1).strip() + " " + output.substring(0, newline);
    }

    private record Result(int status, String output) {
    }

    private static Result run(Path directory, long timeoutSeconds, String... command) throws IOException,
            InterruptedException {
        Path errors = Files.createTempFile("interop", ".err");
        try {
            Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(directory.toFile())
                    .redirectError(errors.toFile()).start();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    process.getInputStream().transferTo(out);
                } catch (IOException e) {
                    // the process was killed: what was read is reported
                }
            });
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            reader.join();
            String output = out.toString(StandardCharsets.UTF_8);
            return new Result(process.exitValue(), process.exitValue() == 0 ? output
                    : output + Files.readString(errors));
        } finally {
            Files.deleteIfExists(errors);
        }
    }
}
