package dev.eddy.engine.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.Engine;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Deploying through the admin API: versions replaced and rolled back while records flow, and bad deploys refused. */
@ExtendWith(EmbeddedKafkaExtension.class)
class DeployIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final Duration QUIET = Duration.ofSeconds(90);

    private final HttpClient http = HttpClient.newHttpClient();
    private Engine engine;
    private FunctionStore store;
    private Deployments deployments;
    private AdminServer admin;
    private String input;
    private String output;
    private String name;

    @BeforeEach
    void start(TestKafka kafka, @TempDir Path dir) throws IOException {
        this.dir = dir;
        startEngine(kafka);
        input = kafka.newTopic("in", 6);
        output = kafka.newTopic("out", 6);
        name = kafka.uniqueName("prefixer");
    }

    @AfterEach
    void stop() {
        admin.close();
        deployments.close();
        store.close();
        engine.close();
    }

    private Path dir;

    private void startEngine(TestKafka kafka) throws IOException {
        engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry());
        store = new FunctionStore(engine.config(), engine.admin());
        deployments = new Deployments(engine, new FunctionFactory(System::getenv), dir, store);
        admin = new AdminServer("127.0.0.1", 0, TOKEN, 1024 * 1024, engine, deployments);
    }

    @Test
    void shouldShowAStatefulFunctionsStateByKeyAndPageThroughItsKeys(TestKafka kafka) throws Exception {
        String manifest = "name: " + name + "\nhandler: " + KeyCounter.class.getName() + "\ninputs: [" + input
                + "]\nstate: {store: kafka}\n";
        assertEquals(201, deploy(FunctionJars.jar(manifest, Map.of(), KeyCounter.class), TOKEN).statusCode());
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            records.add(new ProducerRecord<>(input, ("k" + i % 3).getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        kafka.produce(records);
        await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) == 30);

        JsonNode state = JSON.readTree(get("/" + name + "/state?key=k1", 200));
        assertEquals(10, state.at("/state/count/value").asInt(), state.toString());
        assertEquals("k1", state.get("key").asText());
        JsonNode first = JSON.readTree(get("/" + name + "/state?limit=2", 200));
        assertEquals(2, first.get("keys").size(), first.toString());
        JsonNode second = JSON.readTree(get("/" + name + "/state?limit=2&cursor=" + first.get("next").asText(), 200));
        assertEquals(1, second.get("keys").size(), second.toString());
        assertTrue(second.get("next").isNull(), second.toString());
        assertTrue(get("/" + name + "/state?key=never-seen", 404).contains("no state for key 'never-seen'"));
        assertTrue(get("/" + name + "/state?limit=0", 400).contains("1 to 1000"));
        JsonNode described = JSON.readTree(get("/" + name, 200));
        assertEquals("count", described.at("/keyedState/declared/0/name").asText(), described.toString());
        assertEquals(401, send(HttpRequest.newBuilder(uri("/" + name + "/state?key=k1")).GET(), null).statusCode());

        String api = "http://127.0.0.1:" + admin.port();
        String shown = CommandLines.ok("state", "get", name, "k1", "--api", api, "--token", TOKEN);
        assertTrue(shown.contains("\"value\" : 10"), shown);
        String listed = CommandLines.ok("state", "list", name, "--limit", "2", "--api", api, "--token", TOKEN);
        assertTrue(listed.contains("(more: --cursor "), listed);
        String status = CommandLines.ok("status", name, "--api", api, "--token", TOKEN);
        assertTrue(status.contains("AT_LEAST_ONCE") && status.contains("KEY, at most"), status);
        assertTrue(status.contains("6 of the inputs (and the replay topic's)"), status);
        String functions = CommandLines.ok("list", "--api", api, "--token", TOKEN);
        assertTrue(functions.contains("DELIVERY") && functions.contains("AT_LEAST_ONCE"), functions);
    }

    private String get(String path, int status) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET(), TOKEN);
        assertEquals(status, response.statusCode(), response.body());
        return response.body();
    }

    @Test
    void shouldRestoreTheDeployedVersionsOnARestartedEngine(TestKafka kafka) throws Exception {
        assertEquals(201, deploy(jar("1.0", "v1"), TOKEN).statusCode());
        assertEquals(201, deploy(jar("2.0", "v2"), TOKEN).statusCode());
        stop(); // the functions stop, the store keeps them
        startEngine(kafka);

        // The store is the broker's, shared with the other tests of this JVM: count only this test's function.
        assertTrue(deployments.restore() >= 1);
        assertEquals(List.of("1.0", "2.0"), deployments.versions(name));
        kafka.produce(List.of(new ProducerRecord<>(input, "k".getBytes(StandardCharsets.UTF_8),
                "after-restart".getBytes(StandardCharsets.UTF_8))));
        await().atMost(QUIET).until(() -> kafka.readValues(output).contains("v2:after-restart"));

        HttpResponse<String> rollback = send(HttpRequest.newBuilder(uri("/" + name + "/rollback"))
                .POST(HttpRequest.BodyPublishers.noBody()), TOKEN);
        assertEquals(200, rollback.statusCode(), rollback.body());
        assertEquals(List.of("1.0"), deployments.versions(name));
    }

    @Test
    void shouldRunWhatIsDeployedThroughAnotherEngineOfTheCluster(TestKafka kafka, @TempDir Path otherDir)
            throws Exception {
        deployments.following();
        try (Engine other = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry());
                FunctionStore otherStore = new FunctionStore(other.config(), other.admin());
                Deployments otherDeployments = new Deployments(other, new FunctionFactory(System::getenv), otherDir,
                        otherStore).following()) {
            assertEquals(201, deploy(jar("1.0", "v1"), TOKEN).statusCode());
            assertEquals(201, deploy(jar("2.0", "v2"), TOKEN).statusCode());
            await("version 2.0, deployed through the first engine, running on the other").atMost(QUIET)
                    .until(() -> runningVersion(other).equals("2.0"));
            assertEquals(List.of("1.0", "2.0"), otherDeployments.versions(name), "its versions, for rollbacks");

            otherDeployments.rollback(name);
            await("the rollback through the other engine, on the first").atMost(QUIET)
                    .until(() -> runningVersion(engine).equals("1.0"));
            assertEquals(List.of("1.0"), deployments.versions(name));
            kafka.produce(List.of(new ProducerRecord<>(input, "k".getBytes(StandardCharsets.UTF_8),
                    "both".getBytes(StandardCharsets.UTF_8))));
            await().atMost(QUIET).until(() -> kafka.readValues(output).contains("v1:both"));
            assertFalse(kafka.readValues(output).contains("v2:both"), "neither engine still runs 2.0");

            assertTrue(deployments.undeploy(name));
            await("the undeploy through the first engine, on the other").atMost(QUIET)
                    .until(() -> other.function(name).isEmpty());
            assertEquals(List.of(), otherDeployments.versions(name));
        }
    }

    private String runningVersion(Engine on) {
        return on.function(name).map(running -> running.definition().version()).orElse("none");
    }

    @Test
    void shouldReplaceAndRollBackVersionsWhileRecordsFlowWithoutLossOrDuplicates(TestKafka kafka) throws Exception {
        assertEquals(201, deploy(jar("1.0", "v1"), TOKEN).statusCode());
        int total = 100_000;
        AtomicInteger produced = new AtomicInteger();
        Thread producer = Thread.ofPlatform().start(() -> {
            for (int batch = 0; batch < total / 1000; batch++) {
                List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    int n = batch * 1000 + i;
                    records.add(new ProducerRecord<>(input, ("k" + n % 500).getBytes(StandardCharsets.UTF_8),
                            String.valueOf(n).getBytes(StandardCharsets.UTF_8)));
                }
                produced.addAndGet(kafka.produce(records));
            }
        });
        await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) > 20_000);
        HttpResponse<String> second = deploy(jar("2.0", "v2"), TOKEN);
        assertEquals(201, second.statusCode(), second.body());
        assertEquals("1.0", JSON.readTree(second.body()).get("previousVersion").asText());
        await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) > 50_000);
        // A refused update under load: the running version, its counters and its offsets go on as they were.
        dev.eddy.engine.RunningFunction running = engine.function(name).orElseThrow();
        long succeededBefore = running.stats().succeeded();
        long committedBefore = kafka.committedSum("eddy-" + name, input);
        assertRefused(deploy(FunctionJars.jar(manifest("3.0", "v3").replace(Prefixer.class.getName(),
                Unconstructible.class.getName()), Map.of(), Unconstructible.class), TOKEN), 422,
                "failed in its constructor", "handler");
        assertTrue(engine.function(name).orElseThrow() == running, "the running version was not restarted");
        assertTrue(running.stats().succeeded() >= succeededBefore, "its counters were not reset");
        assertTrue(kafka.committedSum("eddy-" + name, input) >= committedBefore, "its offsets did not go back");
        assertEquals(List.of("1.0", "2.0"), deployments.versions(name));
        HttpResponse<String> rollback = send(HttpRequest.newBuilder(uri("/" + name + "/rollback"))
                .POST(HttpRequest.BodyPublishers.noBody()), TOKEN);
        assertEquals(200, rollback.statusCode(), rollback.body());
        assertEquals("1.0", JSON.readTree(rollback.body()).get("version").asText());
        producer.join();
        await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) == total);

        Set<String> expected = new HashSet<>();
        for (int n = 0; n < total; n++) {
            expected.add(String.valueOf(n));
        }
        List<String> values = kafka.readValues(output);
        long byV2 = values.stream().filter(v -> v.startsWith("v2:")).count();
        Tally tally = Tally.of(expected, values.stream().map(v -> v.substring(3)).toList());
        System.out.println("[counts] deploy v1 → v2 → rollback: " + tally + " by v2: " + byV2);
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
        assertTrue(byV2 > 0 && byV2 < total, "v2 handled some, not all: " + byV2);

        JsonNode listed = JSON.readTree(send(HttpRequest.newBuilder(uri("")).GET(), TOKEN).body());
        JsonNode function = listed.get("functions").get(0);
        assertEquals(name, function.get("name").asText());
        assertEquals("1.0", function.get("version").asText());
        assertEquals("RUNNING", function.get("state").asText());
        assertEquals("AT_LEAST_ONCE KEY 10", function.get("delivery").asText() + " "
                + function.get("ordering").asText() + " " + function.get("maxConcurrency").asText());
    }

    @Test
    void shouldKeepTheLastFiveVersionsForRollbacks() throws Exception {
        for (int version = 1; version <= Deployments.MAX_VERSIONS + 2; version++) {
            assertEquals(201, deploy(jar(version + ".0", "v" + version), TOKEN).statusCode());
        }
        assertEquals(List.of("3.0", "4.0", "5.0", "6.0", "7.0"), deployments.versions(name));
        assertEquals("6.0", deployments.rollback(name).version());
    }

    @Test
    void shouldRefuseEachBadDeployClearlyAndLeaveTheRunningFunctionAsItWas() throws Exception {
        assertEquals(201, deploy(jar("1.0", "v1"), TOKEN).statusCode());
        await().atMost(QUIET).until(() -> functions().contains(" RUNNING "));
        String before = functions();

        assertRefused(deploy(jar("2.0", "v2"), null), 401, "Authorization: Bearer", null);
        assertRefused(deploy(jar("2.0", "v2"), "f".repeat(32)), 401, "not one this endpoint takes", null);
        assertRefused(deploy(new byte[2 * 1024 * 1024], TOKEN), 413, "at most 1048576 are taken (api.max.upload.bytes)",
                null);
        assertRefused(deploy(FunctionJars.jar(manifest("2.0", "v2"), Map.of("../../etc/evil", new byte[1]),
                Prefixer.class), TOKEN), 400, "../../etc/evil", "jar");
        assertRefused(deploy(FunctionJars.jar(manifest("2.0", "v2"), Map.of()), TOKEN), 400,
                "the jar has no such class", "handler");
        assertRefused(deploy(FunctionJars.jar(manifest("2.0", "v2").replace("maxConcurrency: 10",
                "maxConcurrency: lots"), Map.of(), Prefixer.class), TOKEN), 400, "'lots'", "maxConcurrency");
        assertRefused(deploy(FunctionJars.jar(null, Map.of(), Prefixer.class), TOKEN), 400, "function.yaml", "jar");
        // The function's own code failing as it is set up: its fault (422), and the running version goes on.
        dev.eddy.engine.RunningFunction running = engine.function(name).orElseThrow();
        assertRefused(deploy(FunctionJars.jar(manifest("2.0", "v2").replace(Prefixer.class.getName(),
                Unconstructible.class.getName()), Map.of(), Unconstructible.class), TOKEN), 422,
                "failed in its constructor: java.lang.IllegalStateException: no database configured", "handler");
        assertRefused(deploy(FunctionJars.jar(manifest("2.0", "v2").replace("config: {prefix: v2}\n", ""),
                Map.of(), Prefixer.class), TOKEN), 422, "failed in open()", "handler");
        assertTrue(engine.function(name).orElseThrow() == running, "the running version was not restarted");

        assertEquals(before, functions(), "the running function is as it was");
        assertEquals(List.of("1.0"), deployments.versions(name));
    }

    private void assertRefused(HttpResponse<String> response, int status, String message, String field)
            throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertTrue(body.get("error").asText().contains(message), body.toString());
        if (field != null) {
            assertEquals(field, body.get("field").asText(), body.toString());
        }
    }

    private String functions() throws Exception {
        JsonNode listed = JSON.readTree(send(HttpRequest.newBuilder(uri("")).GET(), TOKEN).body());
        JsonNode function = listed.get("functions").get(0);
        return function.get("name").asText() + " " + function.get("version").asText() + " "
                + function.get("state").asText() + " " + function.get("sha256").asText();
    }

    private String manifest(String version, String prefix) {
        return "name: " + name + "\nversion: \"" + version + "\"\nhandler: " + Prefixer.class.getName()
                + "\ninputs: [" + input + "]\noutputs: {default: " + output + "}\nmaxConcurrency: 10\n"
                + "config: {prefix: " + prefix + "}\n";
    }

    private byte[] jar(String version, String prefix) throws IOException {
        return FunctionJars.jar(manifest(version, prefix), Map.of(), Prefixer.class);
    }

    private HttpResponse<String> deploy(byte[] jar, String token) throws Exception {
        return send(HttpRequest.newBuilder(uri("")).header("Content-Type", "application/java-archive")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jar)), token);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + admin.port() + "/v1/functions" + path);
    }
}
