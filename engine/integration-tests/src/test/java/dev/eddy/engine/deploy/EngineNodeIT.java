package dev.eddy.engine.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eddy engine} as an operator runs it: a process with its admin API, a function deployed to it over HTTP,
 * the process killed with SIGKILL, and a new process that starts the function again from the store.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class EngineNodeIT {

    private static final String TOKEN = "engine-node-token-0123456789";
    private static final Duration QUIET = Duration.ofSeconds(90);

    @Test
    void shouldRunWhatWasDeployedToItAgainAfterACrash(TestKafka kafka, @TempDir Path dir) throws Exception {
        String input = kafka.newTopic("in", 3);
        String output = kafka.newTopic("out", 3);
        String name = kafka.uniqueName("node-fn");
        int port = freePort();
        EngineProcess engine = new EngineProcess("engine", List.of("--bootstrap-servers", kafka.bootstrapServers(),
                "--api-port", String.valueOf(port), "--work-dir", dir.resolve("work").toString()),
                dir.resolve("engine.log"), Map.of("EDDY_TOKEN", TOKEN));
        Set<String> expected = new HashSet<>();
        try (engine) {
            engine.start();
            awaitOutput(engine, "Ctrl-C stops.", 1); // the end of the line that says where the engine runs
            java.util.regex.Matcher metrics = java.util.regex.Pattern.compile("metrics at (http://[^ ]+)/metrics")
                    .matcher(engine.output());
            assertTrue(metrics.find(), engine.output());
            HttpClient probe = HttpClient.newHttpClient();
            assertEquals(200, probe.send(HttpRequest.newBuilder(URI.create(metrics.group(1) + "/health/live"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> ready = probe.send(HttpRequest.newBuilder(URI.create(metrics.group(1)
                    + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            // Ready once restored; what other tests left in this broker's store may have failed, but Kafka answers.
            assertTrue(ready.statusCode() == 200 || !ready.body().contains("Kafka"), ready.body());
            assertTrue(ready.statusCode() == 200 ? ready.body().equals("ok\n")
                    : ready.body().lines().allMatch(line -> line.startsWith("function '")), ready.body());
            String manifest = "name: " + name + "\nhandler: " + Prefixer.class.getName() + "\ninputs: [" + input
                    + "]\noutputs: {default: " + output + "}\nconfig: {prefix: node}\n";
            HttpResponse<String> deployed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/functions"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/java-archive")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(FunctionJars.jar(manifest, Map.of(), Prefixer.class)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, deployed.statusCode(), deployed.body());
            expected.addAll(produce(kafka, input, 0, 1000));
            await().atMost(QUIET).until(() -> kafka.readValues(output).size() >= 1000);

            engine.kill();
            engine.start();
            // The second start's line (the count includes functions other tests left in this broker's store).
            awaitOutput(engine, "functions restored: ", 2);
            expected.addAll(produce(kafka, input, 1000, 2000));
            await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) == 2000);
        }
        List<String> values = kafka.readValues(output);
        assertTrue(values.stream().allMatch(v -> v.startsWith("node:")), values.get(0));
        Tally tally = Tally.of(expected, values.stream().map(v -> v.substring("node:".length())).toList());
        assertEquals(0, tally.lost() + tally.unexpected(), tally.toString());
    }

    private static Set<String> produce(TestKafka kafka, String topic, int from, int to) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int n = from; n < to; n++) {
            records.add(new ProducerRecord<>(topic, ("k" + n % 50).getBytes(StandardCharsets.UTF_8),
                    String.valueOf(n).getBytes(StandardCharsets.UTF_8)));
            ids.add(String.valueOf(n));
        }
        kafka.produce(records);
        return ids;
    }

    /** Waits until the engine's output holds the text so many times; on timeout, fails with the whole output. */
    private static void awaitOutput(EngineProcess engine, String text, int times) {
        try {
            String quoted = java.util.regex.Pattern.quote(text);
            await().atMost(QUIET).until(() -> engine.output().split(quoted, -1).length > times);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the engine never printed '" + text + "'; its output:\n" + engine.output(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
