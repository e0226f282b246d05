package dev.eddy.engine.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.DeadLetterHeaders;
import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.engine.manifest.ManifestParser;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Python and a Node.js function, each deployed from its folder with {@code ./eddy deploy}, run by processes the
 * engine starts itself: every record out once, in order per key; one process killed with SIGKILL mid-run and
 * started again by the engine without a record lost; the records its handler raises on dead-lettered with the
 * language's error and stack. One worker: when the engine adds workers while a record waits for its retry, the
 * partition that moves has its records past the waiting one delivered again (at-least-once, and seen here with
 * exactly-once too) — the dispatcher's matter, not the language runtime's, kept out of this count.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class LanguageFunctionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    /** 10,000 in the suite; the acceptance run is {@code -Deddy.it.language.records=50000}. */
    private static final int RECORDS = Integer.getInteger("eddy.it.language.records", 10_000);
    private static final int KEYS = 100;
    /** Every so many records, one the handler raises on. */
    private static final int FAILING_EVERY = 1_000;

    private static final String PYTHON = """
            def handle(event, ctx):
                reading = event.value
                if reading["fail"]:
                    raise ValueError(f"bad reading {reading['n']}")
                ctx.emit({"device": reading["device"], "n": reading["n"], "double": reading["n"] * 2})
            """;
    private static final String NODE = """
            export async function handle(event, ctx) {
              const reading = event.value;
              if (reading.fail) throw new RangeError(`bad reading ${reading.n}`);
              ctx.emit({ device: reading.device, n: reading.n, double: reading.n * 2 });
            }
            """;

    @ParameterizedTest
    @ValueSource(strings = {"python", "node"})
    void shouldRunEveryRecordOnceInKeyOrderThroughAProcessKill(String runtime, TestKafka kafka, @TempDir Path dir)
            throws Exception {
        String input = kafka.newTopic("lang-in", 6);
        String output = kafka.newTopic("lang-out", 6);
        String name = kafka.uniqueName(runtime + "-fn");
        Path folder = dir.resolve("function");
        Files.createDirectories(folder);
        String entry = runtime.equals("python") ? "main:handle" : "index.mjs";
        Files.writeString(folder.resolve(runtime.equals("python") ? "main.py" : "index.mjs"),
                runtime.equals("python") ? PYTHON : NODE);
        Files.writeString(folder.resolve("function.yaml"), String.join("\n",
                "name: " + name,
                "runtime: " + runtime,
                "handler: " + entry,
                "inputs: [" + input + "]",
                "outputs: {default: " + output + "}",
                "batch: {maxSize: 200}",
                "scaling: {max: 1}",
                "retry: {maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms}", ""));

        Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry());
        FunctionStore store = new FunctionStore(engine.config(), engine.admin());
        Deployments deployments = new Deployments(engine, new FunctionFactory(System::getenv), dir.resolve("code"),
                store);
        AdminServer admin = new AdminServer("127.0.0.1", 0, TOKEN, 4 * 1024 * 1024, engine, deployments);
        try {
            String api = "http://127.0.0.1:" + admin.port();
            long deployStarted = System.nanoTime();
            String deployed = CommandLines.ok("deploy", folder.toString(), "--api", api, "--token", TOKEN);
            long deployMillis = (System.nanoTime() - deployStarted) / 1_000_000;
            assertTrue(deployed.contains("Deployed " + name), deployed);
            JsonNode status = JSON.readTree(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create(api + "/v1/functions/" + name))
                    .header("Authorization", "Bearer " + TOKEN).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(runtime, status.path("kind").asText(), status.toString());

            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            int failing = 0;
            for (int i = 0; i < RECORDS; i++) {
                String device = "d-" + i % KEYS;
                boolean fail = i % FAILING_EVERY == FAILING_EVERY / 2;
                failing += fail ? 1 : 0;
                records.add(new ProducerRecord<>(input, device.getBytes(StandardCharsets.UTF_8), ("{\"device\":\""
                        + device + "\",\"n\":" + i + ",\"fail\":" + fail + "}").getBytes(StandardCharsets.UTF_8)));
            }
            long started = System.nanoTime();
            kafka.produce(records);
            await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(output).size() >= RECORDS / 3);
            List<ProcessHandle> processes = functionProcesses();
            assertTrue(!processes.isEmpty(), "the engine runs the function's processes");
            long killed = processes.get(0).pid();
            processes.get(0).destroyForcibly(); // SIGKILL
            String group = "eddy-" + name;
            await().atMost(Duration.ofSeconds(120)).until(() -> kafka.committedSum(group, input) == RECORDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            await().atMost(Duration.ofSeconds(30)).until(() -> functionProcesses().size() == processes.size()
                    && functionProcesses().stream().noneMatch(process -> process.pid() == killed));

            Map<String, List<Integer>> byKey = new HashMap<>();
            Map<Integer, Integer> times = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(output)) {
                JsonNode out = JSON.readTree(record.value());
                int n = out.get("n").asInt();
                assertEquals(2 * n, out.get("double").asInt());
                assertEquals(out.get("device").asText(), new String(record.key(), StandardCharsets.UTF_8));
                if (times.merge(n, 1, Integer::sum) == 1) {
                    byKey.computeIfAbsent(out.get("device").asText(), k -> new ArrayList<>()).add(n);
                }
            }
            int expected = RECORDS - failing;
            long lost = expected - times.size();
            long duplicates = times.values().stream().mapToInt(count -> count - 1).sum();
            byKey.forEach((device, numbers) -> assertEquals(numbers.stream().sorted().toList(), numbers,
                    "the records of " + device + " in their order"));
            List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll("eddy.dlq." + name);
            System.out.printf("%s function: %d records in %.1f s (%.0f/s, with a process killed), %d out, lost %d,"
                    + " duplicated %d, %d dead-lettered; deployed in %d ms; pid %d killed%n", runtime, RECORDS,
                    seconds, RECORDS / seconds, times.size(), lost, duplicates, letters.size(), deployMillis, killed);
            assertEquals(0, lost, "lost");
            assertEquals(0, duplicates, "duplicated");
            assertEquals(failing, letters.size(), "the records the handler raised on, dead-lettered");
            int withTheLanguagesError = 0;
            for (ConsumerRecord<byte[], byte[]> letter : letters) {
                String message = header(letter, DeadLetterHeaders.EXCEPTION_MESSAGE);
                assertEquals("HANDLER_FAILED", header(letter, DeadLetterHeaders.REASON));
                assertTrue(new String(letter.value(), StandardCharsets.UTF_8).contains("\"fail\":true"),
                        "only the records the handler raised on: " + message);
                boolean languages = runtime.equals("python") ? message.contains("ValueError: bad reading")
                        && message.contains("Traceback") : message.contains("RangeError: bad reading")
                        && message.contains("handle (file:");
                // A raising record whose last attempt was in the killed process carries that I/O error instead.
                String type = header(letter, DeadLetterHeaders.EXCEPTION_CLASS);
                assertTrue(languages || java.io.IOException.class.isAssignableFrom(Class.forName(type)),
                        type + ": " + message);
                withTheLanguagesError += languages ? 1 : 0;
            }
            assertTrue(withTheLanguagesError > 0, "the language's error and stack reach the dead letters");
        } finally {
            admin.close();
            deployments.close();
            store.close();
            engine.close();
        }
        assertEquals(List.of(), functionProcesses(), "the function's processes stopped with it");
    }

    /** The language processes this JVM started, alive. */
    private static List<ProcessHandle> functionProcesses() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(process -> process.info().commandLine().orElse("").matches(".*(-m eddy|serve\\.mjs).*"))
                .toList();
    }

    /** Python only: the pool is the same code for Node.js, whose cold start {@code remote-passthrough} measures. */
    @org.junit.jupiter.api.Test
    void shouldStopItsProcessesAtZeroAndStartThemForTheFirstRecord(TestKafka kafka, @TempDir Path folder)
            throws Exception {
        String runtime = "python";
        String input = kafka.newTopic("lang-zero-in", 2);
        String output = kafka.newTopic("lang-zero-out", 2);
        Files.writeString(folder.resolve(runtime.equals("python") ? "main.py" : "index.mjs"),
                runtime.equals("python") ? PYTHON : NODE);
        FunctionDefinition function = new FunctionFactory(System::getenv).definition(ManifestParser.parse(
                String.join("\n", "name: " + kafka.uniqueName(runtime + "-zero"), "runtime: " + runtime,
                        "handler: " + (runtime.equals("python") ? "main:handle" : "index.mjs"),
                        "inputs: [" + input + "]", "outputs: {default: " + output + "}",
                        "scaling: {min: 0, idleAfter: 300ms}", "")), null, folder);
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            List<Long> wakes = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                await().atMost(Duration.ofSeconds(30)).until(() -> running.state() == FunctionState.IDLE
                        && functionProcesses().isEmpty());
                long sent = System.nanoTime();
                kafka.produce(List.of(new ProducerRecord<>(input, "d-1".getBytes(StandardCharsets.UTF_8),
                        ("{\"device\":\"d-1\",\"n\":" + n + ",\"fail\":false}").getBytes(StandardCharsets.UTF_8))));
                int expected = n + 1;
                await().atMost(Duration.ofSeconds(30)).until(() -> kafka.readAll(output).size() >= expected);
                wakes.add((System.nanoTime() - sent) / 1_000_000);
                assertTrue(!functionProcesses().isEmpty(), "woken: its processes run");
            }
            System.out.printf("%s function at zero, no process running: a record out after %s ms%n", runtime, wakes);
            assertEquals(2, kafka.readAll(output).size(), "each record once");
            assertEquals(2, running.coldStarts(), "woken by each record");
        }
        assertEquals(List.of(), functionProcesses(), "the function's processes stopped with it");
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseAPythonFunctionThatFailsToImportOrWhosePackagesCannotBeInstalled(TestKafka kafka,
            @TempDir Path dir)
            throws Exception {
        String name = kafka.uniqueName("broken-py");
        Path folder = dir.resolve("function");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("main.py"), "import no_such_module\n\ndef handle(event, ctx):\n    pass\n");
        Files.writeString(folder.resolve("function.yaml"), "name: " + name + "\nruntime: python\nhandler: main\n"
                + "inputs: [" + kafka.newTopic("broken-in", 1) + "]\n");
        Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry());
        Deployments deployments = new Deployments(engine, new FunctionFactory(System::getenv), dir.resolve("code"),
                null);
        AdminServer admin = new AdminServer("127.0.0.1", 0, TOKEN, 4 * 1024 * 1024, engine, deployments);
        try {
            String refused = CommandLines.failing("deploy", folder.toString(), "--api",
                    "http://127.0.0.1:" + admin.port(), "--token", TOKEN);
            assertTrue(refused.contains("422") || refused.contains("failed as it was loaded"), refused);
            assertTrue(refused.contains("No module named 'no_such_module'"), refused);
            assertEquals(List.of(), functionProcesses(), "nothing left running");

            // Packages the machine cannot install: refused before any process starts, with pip's words.
            Files.writeString(folder.resolve("main.py"), "def handle(event, ctx):\n    pass\n");
            Files.writeString(folder.resolve("requirements.txt"), "this is not a requirement!\n");
            String uninstallable = CommandLines.failing("deploy", folder.toString(), "--api",
                    "http://127.0.0.1:" + admin.port(), "--token", TOKEN);
            assertTrue(uninstallable.contains("requirements.txt") && uninstallable.contains("pip"), uninstallable);
            assertEquals(List.of(), functionProcesses(), "nothing started");
        } finally {
            admin.close();
            deployments.close();
            engine.close();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
