package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eddy.engine.cli.EddyCli;
import dev.eddy.engine.telemetry.UsageRecord;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * Usage metering on a real broker: a function with a declared memory class handles records (one in ten fails
 * every attempt, so that retries count as calls) while its engine writes usage every half second; once the engine
 * has closed, {@code ./eddy usage} shows exactly the calls the engine counted, each billed at least a millisecond,
 * and the GB-seconds of its memory class — added up from several usage records, none counted twice.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class UsageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldShowInEddyUsageExactlyTheCallsTheEngineCounted(TestKafka kafka) {
        String input = kafka.newTopic("metered", 3);
        String name = kafka.uniqueName("metered");
        FunctionDefinition function = FunctionDefinition.builder(name).input(input).memoryMb(512)
                .retry(RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(5), Duration.ofMillis(5)))
                .handler((event, context) -> {
                    if (new String(event.value(), StandardCharsets.UTF_8).endsWith("7")) {
                        throw new IllegalStateException("values ending in 7 fail");
                    }
                }).build();
        FunctionStats stats;
        try (Engine engine = new Engine(kafka.engineConfig(Map.of(EngineConfig.USAGE_INTERVAL_MS, 500L)),
                new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            kafka.produce(records(input, 0, 300));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> running.stats().succeeded() + running.stats().deadLettered() == 300
                            && !written(kafka, name).isEmpty()); // a periodic report came
            kafka.produce(records(input, 300, 500));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> running.stats().succeeded() + running.stats().deadLettered() == 500);
            stats = running.stats();
        }
        long calls = stats.succeeded() + stats.failed();
        assertEquals(450, stats.succeeded());
        assertEquals(50, stats.deadLettered());
        assertEquals(150, stats.failed(), "each of the 50 failing records was tried 3 times");

        List<UsageRecord> written = written(kafka, name);
        assertTrue(written.size() >= 2, "a periodic report and the last one: " + written);
        assertEquals(calls, written.stream().mapToLong(UsageRecord::invocations).sum());

        StringWriter printed = new StringWriter();
        CommandLine cli = EddyCli.commandLine();
        cli.setOut(new PrintWriter(printed, true));
        assertEquals(0, cli.execute("usage", "--bootstrap-servers", kafka.bootstrapServers(), "--function", name,
                "--json"));
        JsonNode rows = readJson(printed.toString());
        assertEquals(1, rows.size(), rows.toString());
        JsonNode row = rows.get(0);
        assertEquals(name, row.get("function").asText());
        assertEquals(calls, row.get("invocations").asLong(), "./eddy usage counts the calls the engine made");
        long billed = row.get("billed_ms").asLong();
        assertTrue(billed >= calls, "each call is billed at least a millisecond: " + billed);
        assertEquals(512, row.get("memory_mb").asInt());
        assertEquals(0.5 * billed / 1000.0, row.get("gb_seconds").asDouble(), 1e-9);

        printed.getBuffer().setLength(0);
        cli.execute("usage", "--bootstrap-servers", kafka.bootstrapServers(), "--function", name);
        assertTrue(printed.toString().contains(String.format(java.util.Locale.ROOT, "%,12d", calls)),
                printed.toString());
    }

    /** The usage records of one function (every engine of the tests writes to the same topic). */
    private static List<UsageRecord> written(TestKafka kafka, String function) {
        List<UsageRecord> written = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(dev.eddy.engine.kafka.Names.DEFAULT.usage())) {
            UsageRecord usage = UsageRecord.fromJson(record.value());
            if (usage.function().equals(function)) {
                written.add(usage);
            }
        }
        return written;
    }

    private static List<ProducerRecord<byte[], byte[]>> records(String topic, int from, int to) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(new ProducerRecord<>(topic, ("k" + i % 20).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
