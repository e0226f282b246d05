package dev.eddy.engine.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.local.LocalCluster;
import dev.eddy.engine.testing.LoadProducer;
import dev.eddy.engine.testing.Tally;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eddy's cluster mode as {@code ./eddy cluster up} runs it: three brokers (replication 3, min.insync.replicas 2)
 * and three engine processes. A function deployed through one engine runs on all three; while 200,000 records
 * flow, one engine is killed with SIGKILL and one broker is stopped and started again. Counted: records
 * acknowledged to the producer, delivered, lost, duplicated; measured: how long the survivors take to hold, and to
 * move on, the dead engine's partitions.
 */
class ClusterIT {

    private static final int RECORDS = 200_000;
    private static final int PARTITIONS = 12;
    private static final Duration QUIET = Duration.ofSeconds(180);

    @Test
    void shouldLoseNothingWhenAnEngineIsKilledAndABrokerRestarts(@TempDir Path dir) throws Exception {
        LocalCluster cluster = LocalCluster.create(dir.resolve("cluster"), 3, 3, 0);
        Throwable failed = null;
        try {
            cluster.startBrokers();
            cluster.startEngines();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers()))) {
                run(cluster, admin);
            }
        } catch (Throwable e) {
            failed = e;
            throw e;
        } finally {
            try {
                cluster.destroy();
            } catch (RuntimeException e) { // a cluster left half stopped by the failure is not the news
                if (failed == null) {
                    throw e;
                }
                failed.addSuppressed(e);
            }
        }
    }

    private void run(LocalCluster cluster, Admin admin) throws Exception {
        Topics.create(admin, "in", PARTITIONS, (short) -1, Map.of());
        Topics.create(admin, "out", PARTITIONS, (short) -1, Map.of());
        assertEquals(3, admin.describeTopics(List.of("in")).allTopicNames().get().get("in").partitions().get(0)
                .replicas().size(), "the brokers' default replication");
        String manifest = "name: relay\nhandler: " + Prefixer.class.getName()
                + "\ninputs: [in]\noutputs: {default: out}\nconfig: {prefix: c}\n";
        HttpResponse<String> deployed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(cluster.apiUrl(1) + "/v1/functions"))
                .header("Authorization", "Bearer " + cluster.token()).header("Content-Type", "application/java-archive")
                .POST(HttpRequest.BodyPublishers.ofByteArray(FunctionJars.jar(manifest, Map.of(), Prefixer.class)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, deployed.statusCode(), deployed.body());
        // Deployed through engine-1, run by all three: the group has members of each.
        await(cluster, "members of every engine in the function's group",
                () -> enginesIn(describe(admin)).size() == 3);
        // One count of workers for the cluster, decided by the engine with the smallest instance id.
        await(cluster, "every engine to follow engine-1's decision for the cluster", () -> List.of(1, 2, 3).stream()
                .allMatch(i -> scalingReason(cluster, i).startsWith("decided by engine-1 for 3 engines")));

        try (OutputCollector output = new OutputCollector(cluster.bootstrapServers(), "out");
                LoadProducer load = new LoadProducer(cluster.bootstrapServers(), "in", RECORDS, 1000, 5000).start()) {
            await(cluster, "a quarter of the records through", () -> output.distinct() >= RECORDS / 4);
            // The input partitions it held (its replay partition gets no records, so no commit would show a move).
            Set<TopicPartition> orphaned = partitionsOf(describe(admin), LocalCluster.engineName(2)).stream()
                    .filter(partition -> partition.topic().equals("in")).collect(Collectors.toSet());
            assertFalse(orphaned.isEmpty(), "engine-2 holds input partitions before it is killed");
            Map<TopicPartition, Long> committedAtKill = committed(admin, orphaned);
            long killed = System.nanoTime();
            cluster.killEngine(2);
            // Its reports stop: after 3 s the decision for the cluster is for the two left (before Kafka's session
            // timeout moves its partitions).
            await(cluster, "engine-1 to decide for the two engines left", () -> List.of(1, 3).stream()
                    .allMatch(i -> scalingReason(cluster, i).startsWith("decided by engine-1 for 2 engines")));
            double decidedForTwo = seconds(killed);
            await(cluster, "the partitions of the killed engine held by the others", () -> {
                ConsumerGroupDescription group = describe(admin);
                return !enginesIn(group).contains(LocalCluster.engineName(2))
                        && assigned(group).containsAll(orphaned);
            });
            double reassigned = seconds(killed);
            await(cluster, "the killed engine's partitions committed past where it died", () -> {
                Map<TopicPartition, Long> now = committed(admin, orphaned);
                return orphaned.stream().allMatch(p -> now.getOrDefault(p, -1L) > committedAtKill.getOrDefault(p, -1L));
            });
            double resumed = seconds(killed);

            // Half the records sent (not delivered: the survivors may still be catching up), so that the rest are
            // written while the broker is down.
            await(cluster, "half the records sent", () -> load.sent() >= RECORDS / 2);
            cluster.stopBroker(3);
            long stoppedAt = output.distinct();
            long sentWhileDown = load.sent();
            await(cluster, "records flowing with broker-3 down",
                    () -> output.distinct() >= Math.min(stoppedAt + 10_000, RECORDS));
            sentWhileDown = load.sent() - sentWhileDown;
            cluster.startBroker(3);
            // Else the broker's stop would have tested nothing: records must be written while it is down.
            assertTrue(sentWhileDown > 0, "no record was produced while broker-3 was down");

            load.await(QUIET.toSeconds(), TimeUnit.SECONDS);
            assertTrue(load.done(), "the producer finished");
            assertEquals(0, load.failed(), "records the producer could not write: " + load.firstError());
            await(cluster, "every record through", () -> output.distinct() >= RECORDS);
            Tally tally = Tally.of(load.acknowledged(), output.ids());
            System.out.printf("Cluster (3 brokers, 3 engines, %d partitions): %s; engine-2 killed with %d partitions:"
                    + " held by the others after %.1f s, committing past its last commit after %.1f s, scaled by a"
                    + " decision for the two engines left after %.1f s; broker-3 stopped at %d records delivered, %d"
                    + " produced while it was down, and started again%n", PARTITIONS, tally, orphaned.size(),
                    reassigned, resumed, decidedForTwo, stoppedAt, sentWhileDown);
            assertEquals(RECORDS, tally.expected(), tally.toString());
            assertEquals(0, tally.lost(), tally.toString());
            assertEquals(0, tally.unexpected(), tally.toString());
            assertTrue(resumed < 30, "the survivors took " + resumed + " s to move the killed engine's partitions on");
        }
    }

    /** What an engine says of the function's scaling (its admin API). */
    private static String scalingReason(LocalCluster cluster, int engine) {
        try {
            HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(cluster.apiUrl(engine) + "/v1/functions/relay"))
                    .header("Authorization", "Bearer " + cluster.token()).build(), HttpResponse.BodyHandlers.ofString());
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.body()).path("scalingReason")
                    .asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static ConsumerGroupDescription describe(Admin admin) {
        try {
            return admin.describeConsumerGroups(List.of("eddy-relay")).all().get(10, TimeUnit.SECONDS)
                    .get("eddy-relay");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The engines with members in the group, from their client ids ({@code eddy-relay-engine-<n>[-<slot>]}). */
    private static Set<String> enginesIn(ConsumerGroupDescription group) {
        return group.members().stream().map(MemberDescription::clientId)
                .map(id -> id.replaceFirst("^eddy-relay-(engine-\\d+).*$", "$1")).collect(Collectors.toSet());
    }

    private static Set<TopicPartition> partitionsOf(ConsumerGroupDescription group, String engine) {
        return group.members().stream().filter(m -> m.clientId().startsWith("eddy-relay-" + engine))
                .flatMap(m -> m.assignment().topicPartitions().stream()).collect(Collectors.toSet());
    }

    private static Set<TopicPartition> assigned(ConsumerGroupDescription group) {
        return group.members().stream().flatMap(m -> m.assignment().topicPartitions().stream())
                .collect(Collectors.toSet());
    }

    private static Map<TopicPartition, Long> committed(Admin admin, Collection<TopicPartition> partitions) {
        try {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets("eddy-relay").partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                    .forEach((partition, offset) -> {
                        if (offset != null && partitions.contains(partition)) {
                            offsets.put(partition, offset.offset());
                        }
                    });
            return offsets;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for a condition; fails at once, with the end of its log, when a member of the cluster exits. */
    private static void await(LocalCluster cluster, String what, java.util.concurrent.Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(QUIET).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder logs = new StringBuilder();
            for (int i = 1; i <= cluster.engineCount(); i++) {
                logs.append("\n---- ").append(LocalCluster.engineName(i)).append('\n')
                        .append(cluster.tail(LocalCluster.engineName(i), 15));
            }
            throw new AssertionError(e.getMessage() + logs, e);
        }
    }

    /** Reads the output topic as it fills, read_committed, keeping every id delivered (duplicates too). */
    private static final class OutputCollector implements AutoCloseable {

        private final ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        private final Set<String> distinct = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final Thread thread;

        OutputCollector(String bootstrapServers, String topic) {
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = Thread.ofPlatform().name("cluster-output").daemon().start(() -> {
                try (consumer) {
                    while (!closed.get()) {
                        consumer.poll(Duration.ofMillis(200)).forEach(record -> {
                            String value = new String(record.value(), StandardCharsets.UTF_8);
                            String id = value.startsWith("c:") ? value.substring(2) : "unexpected " + value;
                            ids.add(id);
                            distinct.add(id);
                        });
                    }
                }
            });
        }

        long distinct() {
            return distinct.size();
        }

        List<String> ids() {
            return List.copyOf(ids);
        }

        @Override
        public void close() throws InterruptedException {
            closed.set(true);
            thread.join(10_000);
        }
    }
}
