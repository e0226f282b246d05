package dev.eddy.adapters.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RetryPolicy;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.HttpRequest;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Output;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Synchronous invocation through Kafka: the HTTP adapter sends the request to the function's input and answers with
 * what the function emits for it (200), or with why it failed (502) once the engine dead-letters it.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class HttpInvokeIT {

    @Test
    void shouldAnswerWithTheFunctionsReplyOrItsFailure(TestKafka kafka) throws Exception {
        String shoutIn = kafka.newTopic("shout-in", 2);
        String shoutOut = kafka.newTopic("shout-out", 1);
        String brokenIn = kafka.newTopic("broken-in", 1);
        String brokenOut = kafka.newTopic("broken-out", 1);
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka);
                Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
            Output<String> text = Output.of(Codec.string());
            engine.deploy(FunctionDefinition.builder(kafka.uniqueName("shout")).input(shoutIn).output(shoutOut)
                    .handler((event, ctx) -> {
                        HttpRequest request = (HttpRequest) serde.deserialize(event.value(), Envelope.class).getData();
                        String said = StandardCharsets.UTF_8.decode(request.getBody()).toString();
                        ctx.emit(text, event, said.toUpperCase(Locale.ROOT) + "!");
                    }).build());
            engine.deploy(FunctionDefinition.builder(kafka.uniqueName("broken")).input(brokenIn).output(brokenOut)
                    .retry(RetryPolicy.NONE).handler((event, ctx) -> {
                        throw new IllegalArgumentException("cannot handle this");
                    }).build());
            Settings settings = Settings.parse(String.join("\n",
                    AdapterConfigs.kafka(kafka, registry),
                    "http:",
                    "  listen: 127.0.0.1:0",
                    "  transactionalId: " + kafka.uniqueName("http"),
                    "  keysTopic: " + kafka.uniqueName("keys"),
                    "  invokeTimeout: 20s",
                    "  functions: {shout: " + shoutIn + ", broken: " + brokenIn + "}", ""), name -> null);
            try (HttpAdapter adapter = HttpAdapter.start(HttpSettings.read(settings.section("http")),
                    EventPublisher.Options.read("http", settings.section("kafka")), new SimpleMeterRegistry())) {
                String base = "http://127.0.0.1:" + adapter.address().getPort() + "/v1/invoke/";
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> shouted = http.send(java.net.http.HttpRequest.newBuilder(URI.create(base
                        + "shout")).header("Content-Type", "text/plain").POST(BodyPublishers.ofString("hello"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, shouted.statusCode(), shouted.body());
                assertEquals("HELLO!", shouted.body());
                assertEquals("text/plain; charset=utf-8", shouted.headers().firstValue("Content-Type").orElse(null));
                assertEquals(1, kafka.readAll(shoutOut).size(), "the function's output got its event too");

                HttpResponse<String> failed = http.send(java.net.http.HttpRequest.newBuilder(URI.create(base
                        + "broken")).POST(BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(502, failed.statusCode(), failed.body());
                assertTrue(failed.body().contains("HANDLER_FAILED") && failed.body().contains("cannot handle this"),
                        failed.body());

                HttpResponse<String> unknown = http.send(java.net.http.HttpRequest.newBuilder(URI.create(base
                        + "nobody")).POST(BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(404, unknown.statusCode());
                assertTrue(unknown.body().contains("broken, shout"), unknown.body());
            }
        }
    }
}
