package dev.eddy.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.cli.EddyCli;
import dev.eddy.engine.testing.servers.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each scenario, small, through the real command line: the JSON it writes has every figure it promises. */
class BenchCommandIT {

    @TempDir
    Path results;

    @BeforeAll
    static void externalStoresOfTheTestsOwn() {
        System.setProperty(StatefulCounter.REDIS_PROPERTY, TestServers.redis().url());
        System.setProperty(StatefulCounter.POSTGRES_PROPERTY, TestServers.postgres().jdbcUrl());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dispatch-noop", "passthrough", "io-bound", "eos-passthrough", "e2e-latency",
        "stateful-counter", "remote-passthrough"})
    void shouldWriteTheResultWithEddyBesideItsBaseline(String scenario) throws Exception {
        int status = EddyCli.commandLine().execute("bench", scenario, "--records", "5000", "--runs", "1",
                "--warm-ups", "0", "--results-dir", results.toString());
        assertEquals(0, status);

        JsonNode json = new ObjectMapper().readTree(results.resolve(scenario + ".json").toFile());
        assertEquals(scenario, json.get("scenario").asText());
        assertEquals(5000, json.get("records").asInt());
        String figure = scenario.equals("e2e-latency") ? "p99_ms" : "records_per_sec";
        assertTrue(json.get("eddy").get(figure).asDouble() > 0, json.toString());
        assertTrue(json.get("baseline").get(figure).asDouble() > 0, json.toString());
        double expected = json.get("eddy").get(figure).asDouble() / json.get("baseline").get(figure).asDouble();
        assertEquals(expected, json.get("ratio").asDouble(), 0.05 * expected, json.toString());
        assertTrue(json.get("eddy").get("cpu_seconds_per_million_records").asDouble() > 0, json.toString());
        assertTrue(json.get("baseline").get("cpu_seconds_per_million_records").asDouble() > 0, json.toString());
        assertEquals(0, json.get("warm_ups").asInt());
        if (java.util.Set.of("dispatch-noop", "passthrough", "io-bound").contains(scenario)) {
            assertTrue(json.get("eddy").get("jit_seconds_per_million_records").asDouble() >= 0, json.toString());
            assertTrue(json.get("baseline").get("jit_seconds_per_million_records").asDouble() >= 0, json.toString());
        }
        if (scenario.equals("io-bound")) {
            assertTrue(json.get("eddy").get("cpu_seconds_per_million_records_first_to_last_call").asDouble() > 0,
                    json.toString());
        }
        if (scenario.equals("stateful-counter")) {
            for (String store : new String[] {"redis_store", "postgres_store"}) {
                JsonNode side = json.get("eddy").get(store);
                assertTrue(side.get("records_per_sec").asDouble() > 0, json.toString());
                assertTrue(side.get("stateless").get("records_per_sec").asDouble() > 0, json.toString());
            }
        }
        if (scenario.equals("remote-passthrough")) {
            for (String runtime : new String[] {"java", "python", "node"}) {
                assertTrue(json.get("settings").get("latency").get(runtime).get("p99_ms").asDouble() > 0,
                        json.toString());
                assertTrue(json.get("settings").get("cold_start").get(runtime).get("p50_ms").asDouble() > 0,
                        json.toString());
            }
        }
        assertTrue(json.get("jdk").asText().length() > 0);
        assertTrue(json.get("cores").asInt() >= 1);
        assertTrue(json.hasNonNull("timestamp"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-such-scenario"})
    void shouldNameTheScenariosWhenGivenAnUnknownOne(String scenario) {
        StringWriter err = new StringWriter();
        int status = EddyCli.commandLine().setErr(new PrintWriter(err)).execute("bench", scenario);
        assertEquals(2, status);
        assertTrue(err.toString().contains("dispatch-noop, passthrough, io-bound, eos-passthrough, e2e-latency,"
                + " stateful-counter, cold-start, scale-out, idle-density"), err.toString());
    }

    @Test
    void shouldTimeColdStartsBesideARawConsumerStartedForTheRecord() throws Exception {
        int status = EddyCli.commandLine().execute("bench", "cold-start", "--records", "10", "--runs", "1",
                "--results-dir", results.toString());
        assertEquals(0, status);
        JsonNode json = new ObjectMapper().readTree(results.resolve("cold-start.json").toFile());
        assertEquals(10, json.get("eddy").get("trials").asInt(), json.toString());
        assertEquals(10, json.get("baseline").get("trials").asInt(), json.toString());
        double eddy = json.get("eddy").get("p50_ms").asDouble();
        double raw = json.get("baseline").get("p50_ms").asDouble();
        assertTrue(eddy > 0 && raw > 0, json.toString());
        assertTrue(json.get("eddy").get("p99_ms").asDouble() >= eddy, json.toString());
        assertEquals(eddy / raw, json.get("ratio").asDouble(), 0.05 * eddy / raw, json.toString());
    }

    @Test
    void shouldTimeAWorkerAddedForABurstBesideARawConsumerAddedThen() throws Exception {
        int status = EddyCli.commandLine().execute("bench", "scale-out", "--records", "10000", "--runs", "1",
                "--results-dir", results.toString());
        assertEquals(0, status);
        JsonNode json = new ObjectMapper().readTree(results.resolve("scale-out.json").toFile());
        double eddy = json.get("eddy").get("reaction_s").asDouble();
        double raw = json.get("baseline").get("reaction_s").asDouble();
        assertTrue(eddy > 0 && raw > 0, json.toString());
        assertEquals(1, json.get("eddy").get("trials").asInt(), json.toString());
        assertEquals(eddy / raw, json.get("ratio").asDouble(), 0.05 * eddy / raw, json.toString());
    }

    @Test
    void shouldMeasureFunctionsAtZeroBesideIdleRawConsumers() throws Exception {
        int status = EddyCli.commandLine().execute("bench", "idle-density", "--records", "10", "--runs", "1",
                "--results-dir", results.toString());
        assertEquals(0, status);
        JsonNode json = new ObjectMapper().readTree(results.resolve("idle-density.json").toFile());
        for (String side : new String[] {"eddy", "baseline"}) {
            assertTrue(json.get(side).has("heap_mb") && json.get(side).get("cpu_pct").asDouble() >= 0,
                    json.toString());
        }
        assertTrue(json.get("eddy").get("wake_ms").asDouble() > 0, json.toString());
        assertEquals(10, json.get("baseline").get("consumers").asInt(), json.toString());
    }
}
