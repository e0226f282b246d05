package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.kafka.ClientConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Codec;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import dev.eddy.sdk.TableSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stream-table join on a real broker: readings enriched with their device's row from a table the engine keeps
 * beside the function, while the table changes. Every reading comes out, each with a row, and each row was the
 * device's current one when the reading was handled (checked against the table's own log), up to how fresh the
 * engine keeps it.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class TableEnrichmentIT {

    private static final int READINGS = 100_000;
    private static final int DEVICES = 10_000;
    /** How stale a lookup may be: the table's record written, fetched (at most 50 ms held) and applied. */
    private static final long FRESHNESS_MILLIS = 1_000;

    record Device(String site, int version) {
    }

    static final TableSpec<Device> DEVICES_TABLE = TableSpec.named("devices", Codec.json(Device.class));

    /** Emits {@code <reading>|<site>|<version>|<handled at, epoch ms>}. */
    static final class Enricher implements Handler {
        @Override
        public void handle(Event event, Context context) {
            Device device = context.table(DEVICES_TABLE).get(event.key())
                    .orElseThrow(() -> new IllegalStateException("no row for " + event.keyAsString()));
            context.emit(event.withValue(event.valueAsString() + "|" + device.site() + "|" + device.version() + "|"
                    + System.currentTimeMillis()));
        }

        @Override
        public List<TableSpec<?>> tables() {
            return List.of(DEVICES_TABLE);
        }
    }

    @Test
    void shouldEnrichEveryReadingWithTheRowCurrentWhenItWasHandled(TestKafka kafka) throws Exception {
        String table = kafka.newTopic("devices", 3);
        String input = kafka.newTopic("enrich-in", 6);
        String output = kafka.newTopic("enrich-out", 6);
        List<ProducerRecord<byte[], byte[]>> rows = new ArrayList<>();
        int[] versions = new int[DEVICES];
        for (int d = 0; d < DEVICES; d++) {
            versions[d] = 1;
            rows.add(row(table, d, 1));
        }
        kafka.produce(rows);

        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("enrich"))
                .input(input).output(output).table("devices", table).handler(new Enricher()).build();
        Random random = new Random(11);
        int updates = 0;
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        ClientConfigs.producer(kafka.engineConfig(Map.of()), "enrich-test"))) {
            RunningFunction running = engine.deploy(function); // returns once the table is loaded
            for (int i = 0; i < READINGS; i++) {
                producer.send(new ProducerRecord<>(input, bytes("dev-" + i % DEVICES), bytes("r" + i)));
                if (i % 100 == 0) { // the table changes while readings flow: a thousand updates
                    int d = random.nextInt(DEVICES);
                    producer.send(row(table, d, ++versions[d]));
                    updates++;
                }
                if (i % 10_000 == 0) {
                    producer.flush();
                    TimeUnit.MILLISECONDS.sleep(200); // readings spread over a few seconds, not one burst
                }
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(90)).until(() -> running.stats().emitted() >= READINGS);
            assertEquals(0, running.stats().deadLettered(), "a reading without a row, or one that failed");
        }

        // The table's log: each device's versions and when each was written.
        Map<String, Map<Integer, Long>> written = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(table)) {
            String[] value = new String(record.value(), StandardCharsets.UTF_8).split("\"version\":");
            int version = Integer.parseInt(value[1].replace("}", "").trim());
            written.computeIfAbsent(text(record.key()), k -> new HashMap<>()).put(version, record.timestamp());
        }
        Set<String> readings = new HashSet<>();
        long stalest = 0;
        int future = 0;
        int stale = 0;
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(output)) {
            String[] parts = text(record.value()).split("\\|");
            readings.add(parts[0]);
            Map<Integer, Long> versionsOf = written.get(text(record.key()));
            int version = Integer.parseInt(parts[2]);
            long handledAt = Long.parseLong(parts[3]);
            if (versionsOf.get(version) > handledAt) {
                future++; // a row written after the reading was handled: impossible
            }
            Long next = versionsOf.get(version + 1);
            if (next != null && next < handledAt) {
                stalest = Math.max(stalest, handledAt - next); // a newer row was written before the lookup
                if (handledAt - next > FRESHNESS_MILLIS) {
                    stale++;
                }
            }
        }
        System.out.printf("[tables] %,d readings, %,d enriched, %,d table updates; stalest lookup %d ms behind"
                + " the table (%d beyond %d ms), %d rows from the future%n", READINGS, readings.size(), updates,
                stalest, stale, FRESHNESS_MILLIS, future);
        assertEquals(READINGS, readings.size(), "every reading enriched and emitted");
        assertEquals(0, future);
        assertEquals(0, stale, "lookups more than " + FRESHNESS_MILLIS + " ms behind their table");
    }

    private static ProducerRecord<byte[], byte[]> row(String table, int device, int version) {
        return new ProducerRecord<>(table, bytes("dev-" + device),
                bytes("{\"site\":\"site-" + device % 50 + "\",\"version\":" + version + "}"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
