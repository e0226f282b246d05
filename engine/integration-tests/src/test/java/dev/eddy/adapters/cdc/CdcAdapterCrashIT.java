package dev.eddy.adapters.cdc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.engine.testing.servers.PostgresProcess;
import dev.eddy.engine.testing.servers.TestServers;
import dev.eddy.schemas.events.ChangeEvent;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inserts, updates and deletes on the tests' own PostgreSQL (wal_level=logical) reach Kafka in order per row, the
 * snapshot first; the adapter, a process of its own, is killed with SIGKILL mid-stream and started again, and no
 * change is lost (repeats after the crash carry the same event id). Two adapters on one slot: one captures, the
 * other stands by and takes over when the first is killed, and the first, restarted, stands by in its turn.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CdcAdapterCrashIT {

    /** A table to capture, with its slot, publication and topic, and the adapters' configuration. */
    private record Capture(TestKafka kafka, Path dir, Statement sql, String table, String topic, Path config,
            EmbeddedSchemaRegistry registry) {

        EngineProcess adapter(String name) {
            return new EngineProcess("trigger", List.of("cdc", "--config", config.toString()),
                    dir.resolve(name + ".log"), Map.of());
        }
    }

    @FunctionalInterface
    private interface Scenario {
        void run(Capture capture, Map<Integer, List<String>> expected) throws Exception;
    }

    @Test
    void shouldCarryEveryChangeInOrderPerRowAcrossACrash(TestKafka kafka,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        capture(kafka, dir, (capture, expected) -> {
            try (EngineProcess adapter = capture.adapter("adapter")) {
                adapter.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> kafka.readAll(capture.topic()).size() >= 3);
                change(capture.sql(), capture.table(), 4, 60, expected);
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(capture.topic()).size() >= 40);
                adapter.kill();
                change(capture.sql(), capture.table(), 61, 120, expected);
                adapter.start();
                assertEveryChange(capture, expected, "CDC");
                adapter.terminate(Duration.ofSeconds(30));
            }
        });
    }

    @Test
    void shouldHandTheSlotToTheStandbyWhenTheCapturingAdapterIsKilled(TestKafka kafka,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        capture(kafka, dir, (capture, expected) -> {
            try (EngineProcess first = capture.adapter("first"); EngineProcess second = capture.adapter("second")) {
                first.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> kafka.readAll(capture.topic()).size() >= 3);
                second.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> second.output().contains("Standing by"));
                change(capture.sql(), capture.table(), 4, 60, expected);
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(capture.topic()).size() >= 40);
                long killed = System.nanoTime();
                first.kill();
                change(capture.sql(), capture.table(), 61, 120, expected);
                await().atMost(Duration.ofSeconds(60)).until(() -> second.output().contains("Capturing"));
                long takeoverMillis = (System.nanoTime() - killed) / 1_000_000;
                assertEveryChange(capture, expected, "CDC standby took over " + takeoverMillis + " ms after the kill");

                first.start(); // back, and standing by
                await().atMost(Duration.ofSeconds(60)).until(() -> first.output().contains("Standing by"));
                second.terminate(Duration.ofSeconds(30));
                change(capture.sql(), capture.table(), 121, 150, expected);
                assertEveryChange(capture, expected, "CDC back to the first adapter");
                first.terminate(Duration.ofSeconds(30));
            }
        });
    }

    /** Makes the table, its slot, publication and topic, runs the scenario, and drops them. */
    private static void capture(TestKafka kafka, Path dir, Scenario scenario) throws Exception {
        String suffix = kafka.uniqueName("t").replace('-', '_');
        String table = "eddy_cdc_" + suffix;
        String slot = "eddy_slot_" + suffix;
        String publication = "eddy_pub_" + suffix;
        String prefix = "cdc-" + suffix.replace('_', '-');
        String topic = kafka.createTopic(prefix + ".public." + table, 3);
        PostgresProcess postgres = TestServers.postgres();
        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl()); Statement sql = db.createStatement();
                EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            sql.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text, qty int)");
            try {
                Map<Integer, List<String>> expected = new HashMap<>();
                for (int id = 1; id <= 3; id++) {
                    sql.execute("INSERT INTO " + table + " VALUES (" + id + ", 'before-" + id + "', 0)");
                    expected.put(id, new ArrayList<>(List.of("r")));
                }
                Path config = AdapterConfigs.write(dir.resolve("cdc.yaml"), kafka, registry,
                        "cdc:",
                        "  name: " + prefix,
                        "  port: " + postgres.port(),
                        "  database: test",
                        "  tables: [public." + table + "]",
                        "  topicPrefix: " + prefix,
                        "  slot: " + slot,
                        "  publication: " + publication,
                        "  offsetsTopic: " + prefix + "-offsets", "");
                scenario.run(new Capture(kafka, dir, sql, table, topic, config, registry), expected);
            } finally {
                sql.execute("DROP TABLE IF EXISTS " + table);
                sql.execute("DROP PUBLICATION IF EXISTS " + publication);
                try (ResultSet slots = sql.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name"
                        + " = '" + slot + "'")) {
                    slots.next();
                    if (slots.getInt(1) > 0) {
                        sql.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                    }
                }
            }
        }
    }

    /**
     * Waits until every expected change is in Kafka, each once however often repeated (the same event id), and
     * checks each row's changes are in order, with a tombstone after each delete.
     */
    private static void assertEveryChange(Capture capture, Map<Integer, List<String>> expected, String what) {
        int changes = expected.values().stream().mapToInt(List::size).sum();
        AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(capture.registry().url()).build());
        Map<Integer, List<String>> seen = new HashMap<>();
        int[] tombstones = {0};
        int[] repeated = {0};
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            seen.clear();
            repeated[0] = 0;
            Set<String> ids = new HashSet<>();
            // A key's records are in one partition, in order: a tombstone follows its key's delete. A delete
            // sent again after the crash brings its tombstone again; each delete is counted once.
            Map<String, String> lastEvent = new HashMap<>();
            Set<String> deletesTombstoned = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> record : capture.kafka().readAll(capture.topic())) {
                String key = new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
                if (record.value() == null) {
                    deletesTombstoned.add(lastEvent.get(key));
                    continue;
                }
                Envelope event = serde.deserialize(record.value(), Envelope.class);
                lastEvent.put(key, event.getId() + "/" + ((ChangeEvent) event.getData()).getOp());
                if (!ids.add(event.getId())) {
                    repeated[0]++;
                    continue; // repeated after the crash: the same change
                }
                ChangeEvent change = (ChangeEvent) event.getData();
                Map<String, String> row = change.getAfter() != null ? change.getAfter() : change.getBefore();
                seen.computeIfAbsent(Integer.parseInt(row.get("id")), id -> new ArrayList<>()).add(change.getOp());
            }
            tombstones[0] = deletesTombstoned.size();
            assertTrue(deletesTombstoned.stream().allMatch(event -> event != null && event.endsWith("/d")),
                    "every tombstone follows its key's delete: " + deletesTombstoned);
            return seen.values().stream().mapToInt(List::size).sum() >= changes;
        });
        System.out.printf("%s: %d changes of %d rows in Kafka (lost 0), %d repeated, %d tombstones%n", what, changes,
                expected.size(), repeated[0], tombstones[0]);
        assertEquals(expected, seen, "every change, in order per row");
        assertEquals(expected.values().stream().filter(ops -> ops.contains("d")).count(), tombstones[0],
                "a tombstone after each delete");
    }

    /** Inserts rows from..to, updates each, deletes every third; notes the operations each row should show. */
    private static void change(Statement sql, String table, int from, int to, Map<Integer, List<String>> expected)
            throws Exception {
        for (int id = from; id <= to; id++) {
            sql.execute("INSERT INTO " + table + " VALUES (" + id + ", 'row-" + id + "', 1)");
            sql.execute("UPDATE " + table + " SET qty = 2 WHERE id = " + id);
            List<String> ops = new ArrayList<>(List.of("c", "u"));
            if (id % 3 == 0) {
                sql.execute("DELETE FROM " + table + " WHERE id = " + id);
                ops.add("d");
            }
            expected.put(id, ops);
        }
    }
}
