package dev.eddy.adapters.logs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.LogRecord;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * 6,000 lines, many written in two parts, across a rename rotation and a copytruncate, with the adapter (a process of
 * its own) killed with SIGKILL between them and started again: every line is in Kafka once, and none is cut.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class LogAdapterCrashIT {

    private static final int PER_PHASE = 1500;
    private static final Pattern WHOLE = Pattern.compile("line-(\\d+) [a-z]+ end");

    @Test
    void shouldReadEveryCompleteLineOnceThroughRotationsAndACrash(TestKafka kafka,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String topic = kafka.newTopic("logs", 1);
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path app = logs.resolve("app.log");
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            Path config = AdapterConfigs.write(dir.resolve("logs.yaml"), kafka, registry,
                    "logs:",
                    "  name: " + kafka.uniqueName("tail"),
                    "  positionsTopic: " + kafka.uniqueName("positions"),
                    "  pollInterval: 50ms",
                    "  files:",
                    "    - path: " + logs + "/app.log*",
                    "      topic: " + topic, "");
            try (EngineProcess adapter = new EngineProcess("trigger", List.of("logs", "--config",
                    config.toString()), dir.resolve("adapter.log"), Map.of())) {
                adapter.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> adapter.output().contains("running"));
                write(app, 0, PER_PHASE);
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(topic).size() >= PER_PHASE / 3);

                // Rotation by rename: the old file goes on as app.log.1, a new app.log starts.
                Files.move(app, logs.resolve("app.log.1"));
                write(app, PER_PHASE, 2 * PER_PHASE);
                adapter.kill();
                int atKill = kafka.readAll(topic).size();
                write(app, 2 * PER_PHASE, 3 * PER_PHASE);

                // copytruncate, while the adapter is down: the copy keeps what was written, the original empties.
                Files.copy(app, logs.resolve("app.log.2"), StandardCopyOption.REPLACE_EXISTING);
                try (var channel = java.nio.channels.FileChannel.open(app, StandardOpenOption.WRITE)) {
                    channel.truncate(0);
                }
                write(app, 3 * PER_PHASE, 4 * PER_PHASE);
                adapter.start();

                AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
                Map<Integer, Integer> seen = new HashMap<>();
                List<String> cut = new ArrayList<>();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    seen.clear();
                    cut.clear();
                    for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
                        String message = ((LogRecord) serde.deserialize(record.value(), Envelope.class).getData())
                                .getMessage();
                        var whole = WHOLE.matcher(message);
                        if (whole.matches()) {
                            seen.merge(Integer.parseInt(whole.group(1)), 1, Integer::sum);
                        } else {
                            cut.add(message);
                        }
                    }
                    return seen.size() >= 4 * PER_PHASE;
                });
                long twice = seen.values().stream().filter(n -> n > 1).count();
                System.out.printf("Logs: %d lines in Kafka, %d twice, %d cut; %d before the kill%n", seen.size(),
                        twice, cut.size(), atKill);
                assertEquals(List.of(), cut, "no line cut in half");
                assertEquals(4 * PER_PHASE, seen.size(), "every line");
                assertEquals(0, twice, "each line once: positions commit with the lines");
                assertTrue(atKill < 4 * PER_PHASE);
            }
        }
    }

    /** Appends lines from..to, every third written in two parts with a flush between, as a logger may. */
    private static void write(Path file, int from, int to) throws IOException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (int i = from; i < to; i++) {
                String line = "line-" + i + " " + "abcdefghij".repeat(1 + i % 5) + " end\n";
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                if (i % 3 == 0) {
                    out.write(bytes, 0, bytes.length / 2);
                    out.flush();
                    out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
                } else {
                    out.write(bytes);
                }
                out.flush();
            }
        }
    }
}
