package dev.eddy.engine.internal.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.DeadLetterHeaders;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.internal.dispatch.FunctionEnvironment;
import dev.eddy.engine.internal.dispatch.FunctionMetrics;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowedFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A windowed function's topology on Kafka Streams' test driver: its stores, its sinks, its wall-clock closes. */
class WindowedTopologyTest {

    record Reading(double celsius) {
    }

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    java.nio.file.Path stateDir;

    private final AtomicLong wall = new AtomicLong(T0.toEpochMilli());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<byte[], byte[]> results;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private FunctionMetrics metrics;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private void start(Window window, Aggregate<Reading, ?> aggregate) {
        FunctionDefinition definition = FunctionDefinition.builder("stats").input("readings").output("stats-out")
                .windowed(WindowedFunction.of(Codec.json(Reading.class), window, aggregate)).build();
        EngineConfig config = EngineConfig.forBootstrapServers("unused:9092");
        metrics = new FunctionMetrics(registry, "stats");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "eddy-stats");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        WindowTiming timing = new WindowTiming(wall::get, Duration.ofMillis(100), Duration.ZERO, partition -> true);
        driver = new TopologyTestDriver(WindowedTopology.of(definition, FunctionEnvironment.of(definition, config),
                timing, new WindowCounts(metrics)), props, T0);
        ByteArraySerializer serializer = new ByteArraySerializer();
        ByteArrayDeserializer deserializer = new ByteArrayDeserializer();
        input = driver.createInputTopic("readings", serializer, serializer);
        results = driver.createOutputTopic("stats-out", deserializer, deserializer);
        deadLetters = driver.createOutputTopic(definition.deadLetterTopic(), deserializer, deserializer);
    }

    private void send(String key, double celsius, Instant eventTime) {
        input.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                ("{\"celsius\":" + celsius + "}").getBytes(StandardCharsets.UTF_8), eventTime);
    }

    private void advance(Duration duration) {
        wall.addAndGet(duration.toMillis());
        driver.advanceWallClockTime(duration);
    }

    private static JsonNode json(TestRecord<byte[], byte[]> record) throws Exception {
        return JSON.readTree(record.value());
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void tumblingStatsAreEmittedOncePerWindowAndKeyWithTheWindowInHeaders() throws Exception {
        start(Window.tumbling(Duration.ofSeconds(10)).grace(Duration.ofSeconds(2)),
                Aggregate.stats(Reading::celsius));
        send("dev-1", 20, T0.plusSeconds(1));
        send("dev-1", 24, T0.plusSeconds(9));
        send("dev-2", 5, T0.plusSeconds(3));
        send("dev-1", 30, T0.plusSeconds(11));
        assertTrue(results.isEmpty());
        send("dev-2", 7, T0.plusSeconds(12)); // event time 12 s: [0, 10) closes
        Map<String, JsonNode> closed = new HashMap<>();
        for (TestRecord<byte[], byte[]> record : results.readRecordsToList()) {
            JsonNode window = json(record);
            assertEquals(null, closed.put(window.get("key").asText(), window));
            assertEquals(String.valueOf(T0.toEpochMilli()), header(record, WindowProcessor.WINDOW_START));
            assertEquals(String.valueOf(T0.plusSeconds(10).toEpochMilli()), header(record, WindowProcessor.WINDOW_END));
        }
        assertEquals(2, closed.size());
        JsonNode dev1 = closed.get("dev-1").get("value");
        assertEquals(2, dev1.get("count").asLong());
        assertEquals(20.0, dev1.get("min").asDouble());
        assertEquals(24.0, dev1.get("max").asDouble());
        assertEquals(22.0, dev1.get("avg").asDouble());
        assertTrue(closed.get("dev-1").get("closed").asBoolean());

        advance(Duration.ofSeconds(30)); // quiet: the second windows close by the wall clock
        List<TestRecord<byte[], byte[]>> second = results.readRecordsToList();
        assertEquals(2, second.size());
        assertEquals(4.0, registry.get("eddy.emitted").counter().count());
    }

    @Test
    void lateUndecodableAndKeylessRecordsAreDeadLetteredWithTheirReason() {
        start(Window.tumbling(Duration.ofSeconds(10)), Aggregate.count());
        send("dev-1", 1, T0.plusSeconds(25));
        send("dev-1", 1, T0.plusSeconds(5)); // [0, 10) closed at 10 s
        input.pipeInput("dev-1".getBytes(StandardCharsets.UTF_8), "not json".getBytes(StandardCharsets.UTF_8),
                T0.plusSeconds(26));
        send(null, 1, T0.plusSeconds(26));
        List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
        assertEquals(List.of("LATE", "UNDECODABLE", "UNDECODABLE"),
                letters.stream().map(r -> header(r, DeadLetterHeaders.REASON)).toList());
        assertEquals("[2026-01-01T00:00:00Z, 2026-01-01T00:00:10Z)", header(letters.get(0),
                DeadLetterHeaders.WINDOW));
        assertTrue(header(letters.get(0), DeadLetterHeaders.EXCEPTION_MESSAGE).contains("had closed"),
                header(letters.get(0), DeadLetterHeaders.EXCEPTION_MESSAGE));
        assertEquals("readings", header(letters.get(0), DeadLetterHeaders.SOURCE_TOPIC));
        assertEquals("1", header(letters.get(0), DeadLetterHeaders.SOURCE_OFFSET));
        assertTrue(header(letters.get(2), DeadLetterHeaders.EXCEPTION_MESSAGE).contains("no"));
        assertEquals(3.0, metrics.deadLettered());
        advance(Duration.ofMinutes(1));
        List<TestRecord<byte[], byte[]>> counted = results.readRecordsToList();
        assertEquals(1, counted.size()); // [20, 30) with the one on-time record
    }

    @Test
    void aQuietPartitionsLastWindowClosesWithinTheCloseIntervalOfItsGrace() {
        start(Window.tumbling(Duration.ofSeconds(10)).grace(Duration.ofSeconds(2)), Aggregate.count());
        send("dev-1", 1, T0.plusSeconds(5));
        advance(Duration.ofMillis(6_900)); // time 11.9 s
        assertTrue(results.isEmpty());
        advance(Duration.ofMillis(200)); // 12.1 s, past end 10 s + grace 2 s; checked every 100 ms
        assertEquals(1, results.readRecordsToList().size());
    }

    @Test
    void sessionsMergeInTheSessionStoreAndCloseAfterTheirGap() throws Exception {
        start(Window.session(Duration.ofSeconds(5)).grace(Duration.ofSeconds(10)), Aggregate.count());
        send("u", 1, T0);
        send("u", 1, T0.plusSeconds(8)); // a second session
        send("u", 1, T0.plusSeconds(4)); // bridges the two
        send("v", 1, T0.plusSeconds(9));
        advance(Duration.ofMinutes(1));
        Map<String, JsonNode> closed = new HashMap<>();
        for (TestRecord<byte[], byte[]> record : results.readRecordsToList()) {
            JsonNode window = json(record);
            assertEquals(null, closed.put(window.get("key").asText(), window));
        }
        assertEquals(3, closed.get("u").get("value").asLong());
        assertEquals(T0.toEpochMilli(), closed.get("u").get("start").asLong());
        assertEquals(T0.plusSeconds(8).toEpochMilli(), closed.get("u").get("end").asLong());
        assertEquals(1, closed.get("v").get("value").asLong());
    }

    @Test
    void hoppingWindowsCountARecordInEveryWindowItFallsInto() throws Exception {
        start(Window.hopping(Duration.ofSeconds(10), Duration.ofSeconds(5)), Aggregate.count());
        send("k", 1, T0.plusSeconds(7));
        send("k", 1, T0.plusSeconds(12));
        advance(Duration.ofMinutes(1));
        Map<Long, Long> counts = new HashMap<>();
        for (TestRecord<byte[], byte[]> record : results.readRecordsToList()) {
            JsonNode window = json(record);
            counts.put((window.get("start").asLong() - T0.toEpochMilli()) / 1000, window.get("value").asLong());
        }
        assertEquals(Map.of(0L, 1L, 5L, 2L, 10L, 1L), counts);
    }
}
