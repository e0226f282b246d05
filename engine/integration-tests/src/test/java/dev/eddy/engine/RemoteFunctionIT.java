package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.engine.manifest.Manifest;
import dev.eddy.engine.manifest.ManifestParser;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.StateStoresUnderTest;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Node.js remote function of examples/remote-node, run by the real node binary, end to end through Kafka. */
@ExtendWith(EmbeddedKafkaExtension.class)
class RemoteFunctionIT {

    private static final Path EXAMPLE = Path.of("..", "..", "examples", "remote-node");
    private static final Duration QUIET = Duration.ofSeconds(60);

    private Process node;
    private int port;

    @BeforeEach
    void startNode() throws IOException {
        node = new ProcessBuilder("node", "server.js", "0").directory(EXAMPLE.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.startsWith("listening on "), "node server.js printed: " + line);
        port = Integer.parseInt(line.substring("listening on ".length()).trim());
    }

    @AfterEach
    void stopNode() throws InterruptedException {
        node.destroy();
        if (!node.waitFor(10, TimeUnit.SECONDS)) {
            node.destroyForcibly();
        }
    }

    @Test
    void shouldRunTheNodeFunctionOnEveryRecordAndDeadLetterTheBadOnes(TestKafka kafka) throws IOException {
        String input = kafka.newTopic("telemetry", 3);
        String readings = kafka.newTopic("readings", 3);
        String alerts = kafka.newTopic("alerts", 1);
        String yaml = exampleManifest(kafka.uniqueName("readings-node"), input, readings, alerts)
                .replace("maxAttempts: 3", "maxAttempts: 3\n  initialBackoff: 10ms\n  maxBackoff: 50ms");
        Manifest manifest = ManifestParser.parse(yaml);

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        int hot = 0;
        for (int i = 0; i < 2000; i++) {
            double celsius = i % 10 == 0 ? 35.0 : 20.0;
            hot += celsius > 30 ? 1 : 0;
            String device = "d-" + (i % 50);
            records.add(record(input, device, "{\"device\":\"" + device + "\",\"celsius\":" + celsius + ",\"n\":" + i + "}"));
            expected.add(String.valueOf(i));
        }
        records.add(record(input, "bad", "not json at all"));
        records.add(record(input, "bad", "{\"device\":\"bad\"}"));
        kafka.produce(records);

        FunctionDefinition function = new FunctionFactory(System::getenv).definition(manifest,
                getClass().getClassLoader());
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == records.size());
        }

        List<String> numbers = new ArrayList<>();
        for (String value : kafka.readValues(readings)) {
            assertTrue(value.contains("\"fahrenheit\":"), value);
            numbers.add(value.replaceAll(".*\"n\":(\\d+).*", "$1"));
        }
        Tally tally = Tally.of(expected, numbers);
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
        assertEquals(hot, kafka.readValues(alerts).size());

        List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(function.deadLetterTopic());
        assertEquals(2, letters.size());
        Map<String, String> reasons = Map.of(
                header(letters.get(0), DeadLetterHeaders.REASON), header(letters.get(0), DeadLetterHeaders.EXCEPTION_MESSAGE),
                header(letters.get(1), DeadLetterHeaders.REASON), header(letters.get(1), DeadLetterHeaders.EXCEPTION_MESSAGE));
        assertTrue(reasons.get("UNDECODABLE").contains("the value is not JSON"), reasons.toString());
        assertTrue(reasons.get("HANDLER_FAILED").contains("failed the event: not a reading"), reasons.toString());
    }

    @Test
    void shouldGiveTheNodeFunctionItsKeysStateAndKeepWhatItAnswers(TestKafka kafka) throws IOException {
        String input = kafka.newTopic("telemetry", 3);
        String readings = kafka.newTopic("readings", 3);
        String alerts = kafka.newTopic("alerts", 1);
        String yaml = exampleManifest(kafka.uniqueName("counting-node"), input, readings, alerts)
                .replace("batch:\n  maxSize: 100\n", "state:\n  store: postgres\n  url: \""
                        + StateStoresUnderTest.postgresUrl() + "\"\n  values: [count]\n");
        Manifest manifest = ManifestParser.parse(yaml);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String device = "d-" + (i % 20);
            records.add(record(input, device, "{\"device\":\"" + device + "\",\"celsius\":20.0,\"n\":" + i + "}"));
        }
        kafka.produce(records);

        FunctionDefinition function = new FunctionFactory(System::getenv).definition(manifest,
                getClass().getClassLoader());
        EngineConfig config = kafka.engineConfig(Map.of());
        try (Engine engine = new Engine(config, new SimpleMeterRegistry())) {
            engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == records.size());
        }
        // Each device's readings numbered 1 to 30 in its order, and the last number kept as its state.
        Map<String, List<Integer>> counts = new HashMap<>();
        for (String value : kafka.readValues(readings)) {
            counts.computeIfAbsent(value.replaceAll(".*\"device\":\"(d-\\d+)\".*", "$1"), d -> new ArrayList<>())
                    .add(Integer.parseInt(value.replaceAll(".*\"count\":(\\d+).*", "$1")));
        }
        List<Integer> oneToThirty = java.util.stream.IntStream.rangeClosed(1, 30).boxed().toList();
        assertEquals(20, counts.size());
        counts.forEach((device, numbers) -> assertEquals(oneToThirty, numbers.stream().sorted().toList(), device));
        Map<String, String> stored = StateStoresUnderTest.values(function, config, kafka.admin(), "count");
        assertEquals(20, stored.size());
        stored.values().forEach(count -> assertEquals("30", count));
        StateStoresUnderTest.clear(function, config, kafka.admin());
    }

    /** The example's function.yaml, pointed at this test's node process and topics. */
    private String exampleManifest(String name, String input, String readings, String alerts) throws IOException {
        return Files.readString(EXAMPLE.resolve("function.yaml"))
                .replace("http://127.0.0.1:8080/", "http://127.0.0.1:" + port + "/")
                .replace("name: readings-node", "name: " + name)
                .replace("iot.telemetry", input).replace("iot.readings", readings).replace("iot.alerts", alerts);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
