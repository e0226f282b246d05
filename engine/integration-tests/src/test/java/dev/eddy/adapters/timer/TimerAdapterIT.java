package dev.eddy.adapters.timer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.TimerTick;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two timer processes with the same schedule (every second, missed ticks caught up): one fires; when it is killed
 * with SIGKILL the other takes over where it stopped. Each tick is in Kafka once, and none is missing.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class TimerAdapterIT {

    @Test
    void shouldFireEachTickOnceAcrossTwoTimersAndATakeover(TestKafka kafka,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String ticks = kafka.newTopic("ticks", 1);
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            Path config = AdapterConfigs.write(dir.resolve("timer.yaml"), kafka, registry,
                    "timer:",
                    "  group: " + kafka.uniqueName("timers"),
                    "  stateTopic: " + kafka.uniqueName("timer-state"),
                    "  takeover: 6s",
                    "  schedules:",
                    "    - name: beat",
                    "      every: 1s",
                    "      topic: " + ticks,
                    "      missed: catch-up", "");
            List<String> args = List.of("timer", "--config", config.toString());
            try (EngineProcess first = new EngineProcess("trigger", args, dir.resolve("first.log"), Map.of());
                    EngineProcess second = new EngineProcess("trigger", args, dir.resolve("second.log"), Map.of())) {
                first.start();
                second.start();
                // Ticks are read (read_committed) rather than offsets counted: each transaction adds a marker.
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(ticks).size() >= 5);
                await().atMost(Duration.ofSeconds(30)).until(() -> firing(first) != firing(second));
                EngineProcess leader = firing(first) ? first : second;
                EngineProcess other = leader == first ? second : first;
                int atKill = kafka.readAll(ticks).size();
                leader.kill();
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(ticks).size() >= atKill + 12);
                assertTrue(firing(other), "the other timer fires now");
                other.terminate(Duration.ofSeconds(30));

                AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
                List<Instant> due = new ArrayList<>();
                List<Long> sequence = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(ticks)) {
                    TimerTick tick = (TimerTick) serde.deserialize(record.value(), Envelope.class).getData();
                    due.add(tick.getScheduledAt());
                    sequence.add(tick.getSequence());
                }
                System.out.printf("Timers: %d ticks, %d before the kill%n", due.size(), atKill);
                assertEquals(due.stream().distinct().count(), due.size(), "no tick twice: " + due);
                for (int i = 1; i < due.size(); i++) {
                    assertEquals(due.get(i - 1).plusSeconds(1), due.get(i), "no tick missing, in order: " + due);
                    assertEquals(sequence.get(i - 1) + 1, sequence.get(i), "numbered one after the other");
                }
            }
        }
    }

    /** Whether the timer process says it fires now (took the schedules more often than it gave them up). */
    private static boolean firing(EngineProcess timer) {
        String output = timer.output();
        return count(output, "fires the schedules now") > count(output, "stops firing");
    }

    private static int count(String text, String phrase) {
        int count = 0;
        for (int at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1)) {
            count++;
        }
        return count;
    }
}
