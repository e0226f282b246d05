package dev.eddy.adapters.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.HttpRequest;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP adapter on a real broker: plain JSON, CloudEvents in structured and binary mode and batches become
 * envelopes; an idempotency key sent twice makes one event; oversize bodies, missing tokens, unknown topics and
 * malformed CloudEvents are refused with their status and nothing is published.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class HttpAdapterIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldPublishEachKindOfRequestOnceKafkaHasItAndRefuseWhatItMustNot(TestKafka kafka) throws Exception {
        String topic = kafka.newTopic("orders", 2);
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            Settings settings = Settings.parse(String.join("\n",
                    AdapterConfigs.kafka(kafka, registry),
                    "http:",
                    "  listen: 127.0.0.1:0",
                    "  topics: [" + topic + "]",
                    "  maxBodyBytes: 2000",
                    "  tokens: [env:TOKEN]",
                    "  transactionalId: " + kafka.uniqueName("http"),
                    "  keysTopic: " + kafka.uniqueName("keys"), ""), Map.of("TOKEN", "t0ken")::get);
            try (HttpAdapter adapter = HttpAdapter.start(HttpSettings.read(settings.section("http")),
                    EventPublisher.Options.read("http", settings.section("kafka")), new SimpleMeterRegistry())) {
                String base = "http://127.0.0.1:" + adapter.address().getPort() + "/v1/events/" + topic;

                HttpResponse<String> plain = post(base + "?key=order-1", "application/json", "{\"total\": 12.5}",
                        Map.of());
                assertEquals(202, plain.statusCode(), plain.body());
                assertEquals(topic, JSON.readTree(plain.body()).get("topic").asText());

                HttpResponse<String> structured = post(base, HttpEvents.STRUCTURED, "{\"specversion\": \"1.0\","
                        + " \"id\": \"ce-1\", \"source\": \"/shop\", \"type\": \"com.shop.order\", \"time\":"
                        + " \"2026-11-27T10:00:00Z\", \"subject\": \"order-2\", \"data\": {\"total\": 3}}", Map.of());
                assertEquals(202, structured.statusCode(), structured.body());

                HttpResponse<String> binary = post(base, "text/plain", "hello", Map.of("ce-specversion", "1.0",
                        "ce-id", "ce-2", "ce-source", "/shop", "ce-type", "com.shop.note"));
                assertEquals(202, binary.statusCode(), binary.body());

                HttpResponse<String> batch = post(base + "/batch", "application/json", "[{\"n\": 1}, {\"n\": 2},"
                        + " {\"n\": 3}]", Map.of());
                assertEquals(202, batch.statusCode(), batch.body());
                assertEquals(3, JSON.readTree(batch.body()).get("ids").size());

                HttpResponse<String> first = post(base, "application/json", "{\"pay\": 1}",
                        Map.of("Idempotency-Key", "pay-77"));
                HttpResponse<String> again = post(base, "application/json", "{\"pay\": 1}",
                        Map.of("Idempotency-Key", "pay-77"));
                assertEquals(202, again.statusCode());
                assertEquals(first.body(), again.body(), "the retry gets the first answer");
                assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(null));
                assertEquals("pay-77", JSON.readTree(first.body()).get("ids").get(0).asText(),
                        "a keyed request's event takes its id from the key");

                assertEquals(413, post(base, "application/json", "\"" + "x".repeat(3000) + "\"", Map.of())
                        .statusCode());
                assertEquals(401, http.send(java.net.http.HttpRequest.newBuilder(URI.create(base))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
                HttpResponse<String> unknown = post(base.replace(topic, "elsewhere"), "application/json", "{}",
                        Map.of());
                assertEquals(404, unknown.statusCode());
                assertTrue(unknown.body().contains(topic), "says which topics there are: " + unknown.body());
                HttpResponse<String> noType = post(base, HttpEvents.STRUCTURED, "{\"specversion\": \"1.0\", \"id\":"
                        + " \"x\", \"source\": \"/s\"}", Map.of());
                assertEquals(400, noType.statusCode());
                assertTrue(noType.body().contains("type is missing"), noType.body());
            }

            AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
            Map<String, Envelope> byId = new HashMap<>();
            Map<String, ConsumerRecord<byte[], byte[]>> records = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
                Envelope event = serde.deserialize(record.value(), Envelope.class);
                byId.put(event.getId(), event);
                records.put(event.getId(), record);
            }
            assertEquals(7, byId.size(), "1 + 1 + 1 + 3 + 1 (the key's retry made none): " + byId.keySet());
            Envelope ce = byId.get("ce-1");
            assertEquals("com.shop.order", ce.getType());
            assertEquals("order-2", ce.getSubject());
            HttpRequest ceData = (HttpRequest) ce.getData();
            assertEquals("{\"total\":3}", StandardCharsets.UTF_8.decode(ceData.getBody()).toString());
            assertEquals("application/json", ceData.getContentType());
            assertTrue(!ceData.getHeaders().containsKey("authorization"), "credentials are not kept");
            assertEquals("com.shop.note", byId.get("ce-2").getType());
            assertEquals("hello", StandardCharsets.UTF_8.decode(((HttpRequest) byId.get("ce-2").getData())
                    .getBody()).toString());
            ConsumerRecord<byte[], byte[]> keyed = records.values().stream()
                    .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals("order-1"))
                    .findFirst().orElseThrow();
            assertEquals("dev.eddy.http.request", new String(keyed.headers().lastHeader("ce_type").value(),
                    StandardCharsets.UTF_8));
        }
    }

    private HttpResponse<String> post(String url, String contentType, String body, Map<String, String> headers)
            throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", contentType).header("Authorization", "Bearer t0ken")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
