package dev.eddy.adapters.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.adapters.http.HttpAdapter;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.cli.EddyCli;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.observability.Tracing;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * A trace through Eddy: a request to the HTTP trigger with a {@code traceparent} reaches a function whose output
 * record and log line carry the same trace id (the output with the call's own span id); a request without one
 * starts a trace of its own, which the output and the log line carry too. {@code ./eddy logs} finds the lines.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class TracingIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    @Test
    void shouldCarryTheTraceIdFromTheHttpRequestToTheFunctionsOutputAndItsLogLine(TestKafka kafka) throws Exception {
        String input = kafka.newTopic("traced-in", 2);
        String output = kafka.newTopic("traced-out", 2);
        String name = kafka.uniqueName("traced");
        FunctionDefinition function = FunctionDefinition.builder(name).input(input).output(output)
                .retry(dev.eddy.engine.RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(10),
                        Duration.ofMillis(10)))
                .handler((event, context) -> {
                    context.logger().log(System.Logger.Level.INFO, "handling an event of {0} bytes",
                            event.value().length);
                    if ("a".equals(event.keyAsString()) && context.attempt() == 1) {
                        throw new IllegalStateException("the first try fails");
                    }
                    context.emit(event);
                }).build();
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka);
                Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            try (HttpAdapter adapter = AdapterConfigs.httpAdapter(kafka, registry, input, new SimpleMeterRegistry())) {
                String url = "http://127.0.0.1:" + adapter.address().getPort() + "/v1/events/" + input;
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> traced = http.send(HttpRequest.newBuilder(URI.create(url + "?key=a"))
                        .header("Content-Type", "application/json")
                        .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\": 1}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(202, traced.statusCode(), traced.body());
                HttpResponse<String> untraced = http.send(HttpRequest.newBuilder(URI.create(url + "?key=b"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\": 2}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(202, untraced.statusCode(), untraced.body());
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> running.stats().emitted() == 2);

            List<ConsumerRecord<byte[], byte[]>> outputs = kafka.readAll(output);
            assertEquals(2, outputs.size());
            String tracedOut = null;
            String untracedOut = null;
            for (ConsumerRecord<byte[], byte[]> record : outputs) {
                String traceparent = header(record, Tracing.TRACEPARENT);
                assertNotNull(traceparent, "every output carries a traceparent");
                assertTrue(TRACEPARENT.matcher(traceparent).matches(), traceparent);
                if ("a".equals(new String(record.key(), StandardCharsets.UTF_8))) {
                    tracedOut = traceparent;
                } else {
                    untracedOut = traceparent;
                }
            }
            assertEquals(TRACE_ID, traceId(tracedOut), "the caller's trace goes on in the output");
            assertNotEquals(CALLER_SPAN, tracedOut.split("-")[2], "the output carries the call's span, not the"
                    + " caller's");
            assertNotEquals(TRACE_ID, traceId(untracedOut), "a request without a trace starts its own");

            // The function's log lines, as ./eddy logs prints them from the logs topic.
            StringWriter printed = new StringWriter();
            CommandLine cli = EddyCli.commandLine();
            cli.setOut(new PrintWriter(printed, true));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                printed.getBuffer().setLength(0);
                cli.execute("logs", name, "--bootstrap-servers", kafka.bootstrapServers(), "--json");
                // the traced record's two attempts and its failure between them, the untraced record's attempt
                return printed.toString().lines().count() == 4;
            });
            List<JsonNode> lines = new ArrayList<>();
            for (String line : printed.toString().lines().toList()) {
                lines.add(JSON.readTree(line));
            }
            JsonNode tracedLine = lines.stream().filter(l -> TRACE_ID.equals(l.path("trace_id").asText())
                    && l.path("attempt").asInt() == 2 && l.path("level").asText().equals("INFO")).findFirst()
                    .orElseThrow(() -> new AssertionError("no log line of the second attempt with the trace id: "
                            + lines));
            JsonNode failure = lines.stream().filter(l -> l.path("level").asText().equals("WARN")).findFirst()
                    .orElseThrow(() -> new AssertionError("no line for the failed call: " + lines));
            assertEquals(1, failure.get("attempt").asInt(), failure.toString());
            assertEquals(TRACE_ID, failure.get("trace_id").asText(), failure.toString());
            assertTrue(failure.get("error").asText().startsWith("java.lang.IllegalStateException: the first try fails"),
                    failure.toString());
            assertEquals(name, tracedLine.get("function").asText());
            assertEquals("INFO", tracedLine.get("level").asText());
            assertEquals("handling an event of " + outputs.stream()
                    .filter(r -> "a".equals(new String(r.key(), StandardCharsets.UTF_8))).findFirst()
                    .orElseThrow().value().length + " bytes", tracedLine.get("message").asText());
            assertEquals(tracedOut.split("-")[2], tracedLine.get("span_id").asText(),
                    "the line names the call's span, which the output carries");
            assertTrue(tracedLine.get("invocation").asText().startsWith(input + ":"), tracedLine.toString());
            String newTrace = traceId(untracedOut);
            assertTrue(lines.stream().anyMatch(l -> newTrace.equals(l.path("trace_id").asText())),
                    "the untraced request's line carries its new trace: " + lines);

            printed.getBuffer().setLength(0);
            cli.execute("logs", name, "--bootstrap-servers", kafka.bootstrapServers(), "--trace", TRACE_ID);
            String text = printed.toString();
            assertTrue(text.contains("trace=" + TRACE_ID) && text.contains(" INFO  " + name + "@1 "), text);
            assertTrue(text.contains(" attempt 2 trace=" + TRACE_ID + "]"), "the retry's line says so: " + text);
            assertTrue(text.contains("the call failed on attempt 1: java.lang.IllegalStateException: the first try"
                    + " fails\njava.lang.IllegalStateException"), "the exception with its stack trace: " + text);
            assertTrue(kafka.endOffsetSum(dev.eddy.engine.kafka.Names.DEFAULT.logs()) >= 2);
        }
    }

    private static String traceId(String traceparent) {
        return traceparent.split("-")[1];
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
