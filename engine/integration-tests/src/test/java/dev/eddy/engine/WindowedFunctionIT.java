package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.ReadingStats;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.window.Aggregate;
import dev.eddy.sdk.window.Window;
import dev.eddy.sdk.window.WindowedFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Windowed functions on a real broker: exact windows through kill -9, wall-clock closes, late readings. */
@ExtendWith(EmbeddedKafkaExtension.class)
class WindowedFunctionIT {

    private static final int READINGS = 100_000;
    private static final int DEVICES = 200;
    private static final int WINDOWS = 30;
    private static final Duration QUIET = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDir;

    /** A window's figures as the reference computes them and as the function emits them. */
    private record Figures(long count, double sum, double min, double max) {
        Figures plus(double value) {
            return new Figures(count + 1, sum + value, Math.min(min, value), Math.max(max, value));
        }
    }

    @Test
    void shouldEmitEveryWindowOnceWithExactFiguresWhenTheEngineIsKilledTwice(TestKafka kafka) throws Exception {
        String name = kafka.uniqueName("window-crash");
        String input = kafka.newTopic("window-crash-in", 6);
        String output = kafka.newTopic("window-crash-out", 6);
        Map<String, Figures> expected = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> readings = readings(input, READINGS, DEVICES, WINDOWS, expected);
        kafka.produce(readings);
        assertEquals(DEVICES * WINDOWS, expected.size());

        List<String> args = List.of("--bootstrap-servers", kafka.bootstrapServers(), "--name", name, "--handler",
                ReadingStats.class.getName(), "--input", input, "--output", output, "--set", "instance.id=a",
                "--set", "windows.state.dir=" + stateDir);
        try (EngineProcess engine = new EngineProcess(args, Path.of("target", "engine-processes", name + ".log"))
                .start()) {
            engine.crashEvenlyWhileRecordsFlow(2, READINGS, () -> kafka.committedSum("eddy-" + name, input), QUIET);
            engine.awaitWhileRunning("every window's result", QUIET,
                    () -> kafka.readAll(output).size() >= expected.size());
            engine.terminate(Duration.ofSeconds(60));
        }

        assertEveryWindowOnceAndExact(kafka, output, expected, READINGS);
    }

    /**
     * Readings in order of event time, over {@code windows} of {@link ReadingStats#SIZE} an hour ago (so that each
     * partition's time only goes forward), the reference's figures of each window added to {@code expected}.
     */
    private static List<ProducerRecord<byte[], byte[]>> readings(String input, int count, int devices, int windows,
            Map<String, Figures> expected) {
        long size = ReadingStats.SIZE.toMillis();
        long start = (System.currentTimeMillis() - Duration.ofHours(1).toMillis()) / size * size;
        List<ProducerRecord<byte[], byte[]>> readings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String device = "dev-" + (i % devices);
            long time = start + (long) i * windows * size / count;
            double value = (i * 7919L % 1000) / 10.0;
            expected.merge(device + "@" + time / size * size, new Figures(1, value, value, value),
                    (a, b) -> a.plus(value));
            readings.add(new ProducerRecord<>(input, null, time, bytes(device), bytes(Double.toString(value))));
        }
        return readings;
    }

    /** Every window of the reference emitted once (read_committed), with the reference's figures. */
    private static void assertEveryWindowOnceAndExact(TestKafka kafka, String output, Map<String, Figures> expected,
            int readings) throws Exception {
        Map<String, Figures> emitted = new HashMap<>();
        int duplicates = 0;
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(output)) {
            JsonNode window = JSON.readTree(record.value());
            JsonNode stats = window.get("value");
            Figures figures = new Figures(stats.get("count").asLong(), stats.get("sum").asDouble(),
                    stats.get("min").asDouble(), stats.get("max").asDouble());
            if (emitted.put(window.get("key").asText() + "@" + window.get("start").asLong(), figures) != null) {
                duplicates++;
            }
        }
        int wrong = 0;
        for (Map.Entry<String, Figures> window : expected.entrySet()) {
            Figures got = emitted.get(window.getKey());
            Figures want = window.getValue();
            if (got == null || got.count() != want.count() || Math.abs(got.sum() - want.sum()) > 1e-6
                    || got.min() != want.min() || got.max() != want.max()) {
                wrong++;
            }
        }
        System.out.printf("[windows] %d readings, %d windows expected, %d emitted, %d wrong or missing,"
                + " %d duplicated%n", readings, expected.size(), emitted.size(), wrong, duplicates);
        assertEquals(0, wrong, "windows whose figures are not the reference's, or missing");
        assertEquals(0, duplicates, "windows emitted twice");
        assertEquals(expected.keySet(), emitted.keySet());
    }

    @Test
    void shouldKeepEveryWindowOnceAcrossAnUpdateAndARollbackWhileReadingsFlow(TestKafka kafka) throws Exception {
        String input = kafka.newTopic("window-update-in", 3);
        String output = kafka.newTopic("window-update-out", 3);
        int count = 30_000;
        Map<String, Figures> expected = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> readings = readings(input, count, 100, 12, expected);
        kafka.produce(readings.subList(0, count / 3));
        String name = kafka.uniqueName("window-update");
        FunctionDefinition v1 = FunctionDefinition.builder(name).version("1").input(input).output(output)
                .windowed(new ReadingStats()).build();
        // Version 2 waits longer for late readings: the grace may change, the windows and the accumulator not.
        FunctionDefinition v2 = FunctionDefinition.builder(name).version("2").input(input).output(output)
                .windowed(new ReadingStats()).window(new ReadingStats().window().grace(Duration.ofSeconds(8)))
                .build();
        assertEquals(null, dev.eddy.engine.internal.windows.WindowedUpdate.refusal(v1, v2));
        try (Engine engine = engine(kafka, new SimpleMeterRegistry())) {
            engine.deploy(v1);
            // As the admin API updates and rolls back: the running version stops (its windows committed), the next
            // one starts where it stopped, with the windows it left open, while the next third flows in.
            for (FunctionDefinition next : List.of(v2, v1)) {
                int part = next == v2 ? 1 : 2;
                await().atMost(QUIET).until(() -> kafka.committedSum("eddy-" + name, input) >= part * count / 6);
                Thread more = Thread.ofPlatform().start(() -> kafka.produce(
                        readings.subList(part * count / 3, (part + 1) * count / 3)));
                engine.undeploy(name);
                assertEquals(next.version(), engine.deploy(next).definition().version());
                more.join();
            }
            await().atMost(QUIET).until(() -> kafka.readAll(output).size() >= expected.size());
        }
        assertEveryWindowOnceAndExact(kafka, output, expected, count);
    }

    /**
     * A backlog that one stream thread would take seconds over: the function's scaling controller adds a second
     * worker (another Kafka Streams instance of the application, taking half the tasks and their windows), and every
     * window still comes out once and exact.
     */
    @Test
    void shouldAddAWorkerForABacklogAndKeepEveryWindowOnce(TestKafka kafka) throws Exception {
        String input = kafka.newTopic("window-scale-in", 6);
        String output = kafka.newTopic("window-scale-out", 6);
        int count = 12_000;
        Map<String, Figures> expected = new HashMap<>();
        kafka.produce(readings(input, count, 60, 6, expected));
        // A millisecond a reading: 12 s of work for one thread, more than the controller lets wait.
        dev.eddy.sdk.window.Aggregate<Double, dev.eddy.sdk.window.Stats> slowStats = dev.eddy.sdk.window.Aggregate.of(
                () -> dev.eddy.sdk.window.Stats.EMPTY, (stats, value) -> {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    return stats.plus(value);
                }, dev.eddy.sdk.window.Stats::merge, new ReadingStats().aggregate().codec());
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("window-scale"))
                .input(input).output(output).scalingMax(2)
                .windowed(WindowedFunction.of(ReadingStats.NUMBER, new ReadingStats().window(), slowStats)).build();
        try (Engine engine = engine(kafka, new SimpleMeterRegistry())) {
            long start = System.nanoTime();
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> running.workersWithPartitions() == 2);
            long secondWorker = System.nanoTime() - start;
            await().atMost(QUIET).until(() -> kafka.readAll(output).size() >= expected.size());
            System.out.printf("[windows] a second worker had tasks %d ms after the deploy (%s); every window out"
                    + " after %d ms%n", secondWorker / 1_000_000, running.scaling().reason(),
                    (System.nanoTime() - start) / 1_000_000);
        }
        assertEveryWindowOnceAndExact(kafka, output, expected, count);
    }

    @Test
    void shouldCloseAQuietDevicesWindowByTheWallClockAndDeadLetterLateReadings(TestKafka kafka) throws Exception {
        String input = kafka.newTopic("window-quiet-in", 2);
        String output = kafka.newTopic("window-quiet-out", 2);
        Duration size = Duration.ofSeconds(2);
        Duration grace = Duration.ofSeconds(1);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("window-quiet"))
                .input(input).output(output)
                .windowed(WindowedFunction.of(ReadingStats.NUMBER, Window.tumbling(size).grace(grace),
                        Aggregate.count()))
                .build();
        assertEquals(Delivery.EXACTLY_ONCE, function.delivery());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Engine engine = engine(kafka, registry)) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> running.state() == FunctionState.RUNNING);
            long now = System.currentTimeMillis();
            long end = (now / size.toMillis() + 1) * size.toMillis();
            kafka.produce(List.of(
                    new ProducerRecord<>(input, null, now, bytes("quiet"), bytes("1")),
                    new ProducerRecord<>(input, null, now, bytes("quiet"), bytes("2")),
                    new ProducerRecord<>(input, null, now - 60_000, bytes("quiet"), bytes("3")), // long closed
                    new ProducerRecord<>(input, null, now, bytes("quiet"), bytes("not a number"))));
            // The device sends nothing more: its window closes by the wall clock once its grace has passed.
            long due = end + grace.toMillis();
            long late;
            try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> reader =
                    new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                            "bootstrap.servers", kafka.bootstrapServers(), "isolation.level", "read_committed",
                            "auto.offset.reset", "earliest",
                            "key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class,
                            "value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class))) {
                reader.assign(List.of(new org.apache.kafka.common.TopicPartition(output, 0),
                        new org.apache.kafka.common.TopicPartition(output, 1)));
                await().atMost(QUIET).until(() -> !reader.poll(Duration.ofMillis(20)).isEmpty());
                late = System.currentTimeMillis() - due;
            }
            System.out.printf("[windows] a quiet device's window came %d ms after its end and grace%n", late);
            assertTrue(late <= 2_000, "the window came " + late + " ms after its end + grace");
            JsonNode window = JSON.readTree(kafka.readAll(output).get(0).value());
            assertEquals(2, window.get("value").asLong());
            assertEquals(end, window.get("end").asLong());

            await().atMost(QUIET).until(() -> kafka.readAll(function.deadLetterTopic()).size() == 2);
            List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(function.deadLetterTopic());
            Map<String, ConsumerRecord<byte[], byte[]>> byReason = new HashMap<>();
            letters.forEach(letter -> byReason.put(header(letter, DeadLetterHeaders.REASON), letter));
            assertEquals("3", new String(byReason.get("LATE").value(), StandardCharsets.UTF_8));
            long lateStart = (now - 60_000) / size.toMillis() * size.toMillis();
            assertEquals("[" + Instant.ofEpochMilli(lateStart) + ", " + Instant.ofEpochMilli(lateStart
                    + size.toMillis()) + ")", header(byReason.get("LATE"), DeadLetterHeaders.WINDOW));
            assertTrue(header(byReason.get("UNDECODABLE"), DeadLetterHeaders.EXCEPTION_MESSAGE)
                    .contains("'not a number' is not a number"));
            assertEquals(2, running.stats().deadLettered());
            assertEquals(1.0, registry.get("eddy.closed.windows").counter().count());
            // Kafka Streams' thread metrics, those the engine keeps, tagged with the function
            await().atMost(QUIET).until(() -> registry.find("kafka.stream.thread.process.rate")
                    .tag("function", function.name()).gauge() != null);
            assertEquals(null, registry.find("kafka.stream.thread.poll.rate").gauge());

            // Any engine reads a key's windows from Kafka: the open one of a new reading, the closed one's result.
            kafka.produce(List.of(new ProducerRecord<>(input, null, System.currentTimeMillis(), bytes("quiet"),
                    bytes("4"))));
            EngineConfig config = engine.config();
            await().atMost(QUIET).pollInterval(Duration.ofMillis(100)).until(() -> dev.eddy.engine.internal.windows
                    .WindowQuery.of(running.definition(), config, bytes("quiet")).get("open").size() == 1);
            JsonNode windows = dev.eddy.engine.internal.windows.WindowQuery.of(running.definition(), config,
                    bytes("quiet"));
            assertEquals(1, windows.get("open").get(0).get("value").asLong());
            assertEquals(2, windows.get("recent").get(0).get("value").asLong(), windows.toString());
            assertEquals("quiet", windows.get("key").asText());

            // Undeployed for good, it leaves neither its windows' changelogs nor its local stores behind.
            List<String> changelogs = List.of(function.groupId() + "-windows-changelog",
                    function.groupId() + "-window-time-changelog");
            assertTrue(kafka.admin().listTopics().names().get().containsAll(changelogs));
            assertEquals(changelogs, engine.undeployForGood(function.name()));
            assertTrue(java.util.Collections.disjoint(kafka.admin().listTopics().names().get(), changelogs));
            try (var left = java.nio.file.Files.list(stateDir)) {
                assertEquals(List.of(), left.toList());
            }
        }
    }

    /** An engine in this JVM, its windows' local stores in the test's directory. */
    private Engine engine(TestKafka kafka, io.micrometer.core.instrument.MeterRegistry registry) {
        return new Engine(kafka.engineConfig(Map.of(EngineConfig.WINDOWS_STATE_DIR, stateDir.toString())), registry);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
