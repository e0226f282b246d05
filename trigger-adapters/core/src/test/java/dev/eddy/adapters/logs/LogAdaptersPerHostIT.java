package dev.eddy.adapters.logs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.LogRecord;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two log adapters, as on two hosts, share one positions topic; their files begin with the same line, so that their
 * identities are equal. Each keeps its own positions: restarted, each goes on from its own, and every line of both
 * files is in Kafka once.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class LogAdaptersPerHostIT {

    private static final int LINES = 200;

    @Test
    void shouldKeepEachAdaptersPositionsApartWhenTheirFilesBeginAlike(TestKafka kafka, @TempDir Path dir)
            throws Exception {
        String topic = kafka.newTopic("host-logs", 1);
        String positions = kafka.uniqueName("positions");
        List<String> hosts = List.of("host-a", "host-b");
        Map<String, Path> files = new HashMap<>();
        for (String host : hosts) {
            Files.createDirectories(dir.resolve(host));
            files.put(host, dir.resolve(host).resolve("app.log"));
            Files.writeString(files.get(host), "Starting the application\n");
        }
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            // host-a reads its first half alone; then both run while the rest is written; then both again
            append(files.get("host-a"), "host-a", 1, LINES / 2);
            runUntil(kafka, registry, topic, positions, dir, List.of("host-a"), 1 + LINES / 2);
            for (String host : hosts) {
                append(files.get(host), host, host.equals("host-a") ? LINES / 2 + 1 : 1, LINES);
            }
            runUntil(kafka, registry, topic, positions, dir, hosts, 2 * (1 + LINES));
            // Restarted once more with a line each: read after any line read again, so that a repeat would show.
            for (String host : hosts) {
                append(files.get(host), host, LINES + 1, LINES + 1);
            }
            runUntil(kafka, registry, topic, positions, dir, hosts, 2 * (2 + LINES));

            AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
            Map<String, Integer> times = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
                LogRecord line = (LogRecord) serde.deserialize(record.value(), Envelope.class).getData();
                String host = Path.of(line.getFile()).getParent().getFileName().toString();
                times.merge(host + " " + line.getMessage(), 1, Integer::sum);
            }
            long duplicates = times.values().stream().mapToInt(n -> n - 1).sum();
            System.out.printf("Two log adapters, files alike: %d lines in Kafka, %d distinct, %d duplicated%n",
                    times.values().stream().mapToInt(Integer::intValue).sum(), times.size(), duplicates);
            assertEquals(2 * (2 + LINES), times.size(), "every line of both hosts' files");
            assertEquals(0, duplicates, "none twice");
        }
    }

    /** Runs the hosts' adapters until the topic holds the records, then stops them. */
    private static void runUntil(TestKafka kafka, EmbeddedSchemaRegistry registry, String topic, String positions,
            Path dir, List<String> hosts, int records) throws Exception {
        List<LogAdapter> adapters = new java.util.ArrayList<>();
        try {
            for (String host : hosts) {
                Settings settings = Settings.parse(String.join("\n",
                        AdapterConfigs.kafka(kafka, registry),
                        "logs:",
                        "  name: " + positions + "-" + host, // the same across restarts
                        "  positionsTopic: " + positions,
                        "  pollInterval: 50ms",
                        "  files:",
                        "    - path: " + dir.resolve(host).resolve("app.log*"),
                        "      topic: " + topic, ""), name -> null);
                adapters.add(LogAdapter.start(settings.section("logs"), EventPublisher.Options.read("logs",
                        settings.section("kafka")), new SimpleMeterRegistry()));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(topic).size() >= records);
        } finally {
            adapters.forEach(LogAdapter::close);
        }
    }

    private static void append(Path file, String host, int from, int to) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = from; i <= to; i++) {
            lines.append(host).append(" line ").append(i).append('\n');
        }
        Files.writeString(file, lines, StandardOpenOption.APPEND);
    }
}
