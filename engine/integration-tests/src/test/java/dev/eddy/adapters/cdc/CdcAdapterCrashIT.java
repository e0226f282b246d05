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
 * change is lost (repeats after the crash carry the same event id).
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CdcAdapterCrashIT {

    @Test
    void shouldCarryEveryChangeInOrderPerRowAcrossACrash(TestKafka kafka,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String suffix = kafka.uniqueName("t").replace('-', '_');
        String table = "eddy_cdc_" + suffix;
        String slot = "eddy_slot_" + suffix;
        String publication = "eddy_pub_" + suffix;
        String prefix = "cdc-" + suffix.replace('_', '-');
        String topic = kafka.createTopic(prefix + ".public." + table, 3);
        PostgresProcess postgres = TestServers.postgres();
        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl()); Statement sql = db.createStatement()) {
            sql.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text, qty int)");
            try {
                for (int id = 1; id <= 3; id++) {
                    sql.execute("INSERT INTO " + table + " VALUES (" + id + ", 'before-" + id + "', 0)");
                }
                run(kafka, dir, postgres, sql, table, slot, publication, prefix, topic);
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

    private void run(TestKafka kafka, Path dir, PostgresProcess postgres, Statement sql, String table, String slot,
            String publication, String prefix, String topic) throws Exception {
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
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
            Map<Integer, List<String>> expected = new HashMap<>();
            for (int id = 1; id <= 3; id++) {
                expected.put(id, new ArrayList<>(List.of("r")));
            }
            try (EngineProcess adapter = new EngineProcess("trigger", List.of("cdc", "--config", config.toString()),
                    dir.resolve("adapter.log"), Map.of())) {
                adapter.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> kafka.readAll(topic).size() >= 3);
                change(sql, table, 4, 60, expected);
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(topic).size() >= 40);
                adapter.kill();
                change(sql, table, 61, 120, expected);
                adapter.start();
                int changes = expected.values().stream().mapToInt(List::size).sum();
                AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
                Map<Integer, List<String>> seen = new HashMap<>();
                int[] tombstones = {0};
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    seen.clear();
                    Set<String> ids = new HashSet<>();
                    // A key's records are in one partition, in order: a tombstone follows its key's delete. A delete
                    // sent again after the crash brings its tombstone again; each delete is counted once.
                    Map<String, String> lastEvent = new HashMap<>();
                    Set<String> deletesTombstoned = new HashSet<>();
                    for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
                        String key = new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
                        if (record.value() == null) {
                            deletesTombstoned.add(lastEvent.get(key));
                            continue;
                        }
                        Envelope event = serde.deserialize(record.value(), Envelope.class);
                        lastEvent.put(key, event.getId() + "/" + ((ChangeEvent) event.getData()).getOp());
                        if (!ids.add(event.getId())) {
                            continue; // repeated after the crash: the same change
                        }
                        ChangeEvent change = (ChangeEvent) event.getData();
                        Map<String, String> row = change.getAfter() != null ? change.getAfter() : change.getBefore();
                        seen.computeIfAbsent(Integer.parseInt(row.get("id")), id -> new ArrayList<>())
                                .add(change.getOp());
                    }
                    tombstones[0] = deletesTombstoned.size();
                    assertTrue(deletesTombstoned.stream().allMatch(event -> event != null && event.endsWith("/d")),
                            "every tombstone follows its key's delete: " + deletesTombstoned);
                    return seen.values().stream().mapToInt(List::size).sum() >= changes;
                });
                System.out.printf("CDC: %d changes of %d rows in Kafka, %d tombstones%n", changes, expected.size(),
                        tombstones[0]);
                assertEquals(expected, seen, "every change, in order per row");
                assertEquals(expected.values().stream().filter(ops -> ops.contains("d")).count(), tombstones[0],
                        "a tombstone after each delete");
                adapter.terminate(Duration.ofSeconds(30));
            }
        }
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
