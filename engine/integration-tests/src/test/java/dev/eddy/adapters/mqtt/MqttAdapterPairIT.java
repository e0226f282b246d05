package dev.eddy.adapters.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.engine.testing.servers.MosquittoProcess;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.Telemetry;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two MQTT adapters sharing the routes, against Mosquitto at its default limits (1,000 messages queued for a session
 * that is away, 20 in flight to a client): devices publish 20,000 QoS 1 messages at 500 a second while one adapter is
 * killed -9 three times and started again at once, and then each is killed and kept down for 5 s in turn. Every
 * message Mosquitto acknowledged is in Kafka; the repeated ones are counted. Without a peer holding the session of
 * the one that is away, Mosquitto would drop a quarter of what it gives that session in 5 s.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class MqttAdapterPairIT {

    private static final int MESSAGES = 20_000;
    private static final int PER_SECOND = 500;
    private static final int DEVICES = 50;
    private static final String RUNNING = "eddy trigger mqtt: running";

    @Test
    void shouldLoseNothingWhileEitherAdapterIsAway(TestKafka kafka,
            @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String topic = kafka.newTopic("iot-pair", 3);
        String deadLetters = kafka.newTopic("mqtt-pair-dlq", 1);
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka);
                MosquittoProcess mosquitto = MosquittoProcess.startWithDefaultLimits(dir.resolve("mosquitto"))) {
            Path config = AdapterConfigs.write(dir.resolve("mqtt.yaml"), kafka, registry,
                    "  deadLetterTopic: " + deadLetters,
                    "mqtt:",
                    "  server: " + mosquitto.url(),
                    "  clientId: env:EDDY_MQTT_CLIENT_ID",
                    "  sessionExpiry: 10m",
                    "  shared: {group: telemetry}",
                    "  routes:",
                    "    - filter: plant/{device}/{quantity}",
                    "      topic: " + topic,
                    "      units: {temp: Cel}", "");
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            try (EngineProcess first = adapter(config, dir, "a");
                    EngineProcess second = adapter(config, dir, "b")) {
                first.start();
                second.start();
                awaitStarts(first, 1);
                awaitStarts(second, 1);

                Mqtt5AsyncClient devices = Mqtt5Client.builder().identifier("devices")
                        .serverHost("127.0.0.1").serverPort(mosquitto.port()).buildAsync();
                devices.connect().get(10, TimeUnit.SECONDS);
                long start = System.nanoTime();
                CompletableFuture<Void> publishing = CompletableFuture.runAsync(
                        () -> publish(devices, start, acknowledged));

                // Killed and started again at once, three times.
                for (int kill = 1; kill <= 3; kill++) {
                    awaitSecond(start, 5L * kill);
                    first.kill();
                    first.start();
                    awaitStarts(first, kill + 1);
                }
                // Each down for 5 s, one after the other.
                awaitSecond(start, 21);
                first.kill();
                awaitSecond(start, 26);
                first.start();
                awaitStarts(first, 5);
                second.kill();
                awaitSecond(start, 33);
                second.start();
                awaitStarts(second, 2);

                publishing.get(120, TimeUnit.SECONDS);
                devices.disconnect().get(10, TimeUnit.SECONDS);
                assertEquals(MESSAGES, acknowledged.size(), "Mosquitto acknowledged every message");

                Map<String, Integer> inKafka = awaitInKafka(kafka, registry, topic, acknowledged, first, second);
                List<String> lost = new ArrayList<>(acknowledged);
                lost.removeAll(inKafka.keySet());
                long repeated = inKafka.values().stream().mapToInt(n -> n - 1).sum();
                System.out.printf("MQTT pair: %d acknowledged, %d in Kafka, %d repeated, lost %d%n",
                        acknowledged.size(), inKafka.size(), repeated, lost.size());
                assertEquals(List.of(), lost, "lost");
                assertEquals(0, kafka.readAll(deadLetters).size(), "every message was telemetry");
                assertTrue(second.output().contains("Holding the session of the MQTT adapter 'pair-a'"),
                        "the second held the first's session while it was away");
                assertTrue(first.output().contains("Holding the session of the MQTT adapter 'pair-b'"),
                        "the first held the second's session while it was away");
                assertEquals(128 + 15, first.terminate(Duration.ofSeconds(30)), "the exit status of SIGTERM");
                assertEquals(128 + 15, second.terminate(Duration.ofSeconds(30)), "the exit status of SIGTERM");
            }
        }
    }

    private static EngineProcess adapter(Path config, Path dir, String name) {
        return new EngineProcess("trigger", List.of("mqtt", "--config", config.toString()),
                dir.resolve("adapter-" + name + ".log"), Map.of("EDDY_MQTT_CLIENT_ID", "pair-" + name));
    }

    /** Waits until the adapter has said it runs {@code starts} times. */
    private static void awaitStarts(EngineProcess adapter, int starts) {
        adapter.awaitWhileRunning("start " + starts + " of the adapter", Duration.ofSeconds(60),
                () -> adapter.output().split(RUNNING, -1).length - 1 >= starts);
    }

    private static void awaitSecond(long start, long second) throws InterruptedException {
        long wait = start + TimeUnit.SECONDS.toNanos(second) - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait); // the schedule of the faults, not a wait for a condition
        }
    }

    /** Publishes every message at QoS 1 at {@link #PER_SECOND}, noting those Mosquitto acknowledged. */
    private static void publish(Mqtt5AsyncClient devices, long start, Set<String> acknowledged) {
        Semaphore window = new Semaphore(100);
        for (int i = 0; i < MESSAGES; i++) {
            try {
                long due = start + i * (1_000_000_000L / PER_SECOND) - System.nanoTime();
                if (due > 0) {
                    TimeUnit.NANOSECONDS.sleep(due);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            String id = "m-" + i;
            window.acquireUninterruptibly();
            devices.publishWith().topic("plant/d-" + (i % DEVICES) + "/temp").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"id\":\"" + id + "\",\"temp\":" + (20 + i % 10) + ".5}")
                            .getBytes(StandardCharsets.UTF_8))
                    .send().whenComplete((result, failure) -> {
                        if (failure == null) {
                            acknowledged.add(id);
                        }
                        window.release();
                    });
        }
        window.acquireUninterruptibly(100);
    }

    /** The ids in Kafka, with how often each is there, once every acknowledged one is. */
    private static Map<String, Integer> awaitInKafka(TestKafka kafka, EmbeddedSchemaRegistry registry, String topic,
            Set<String> acknowledged, EngineProcess first, EngineProcess second) {
        AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
        AtomicReference<Map<String, Integer>> read = new AtomicReference<>(Map.of());
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        Map<String, Integer> ids = new HashMap<>();
                        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
                            Telemetry telemetry = (Telemetry) serde.deserialize(record.value(), Envelope.class)
                                    .getData();
                            ids.merge(telemetry.getAttributes().get("id"), 1, Integer::sum);
                        }
                        read.set(ids);
                        return ids.keySet().containsAll(acknowledged);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(read.get().size() + " of " + acknowledged.size() + " in Kafka; the adapters"
                    + " said:\n" + first.tail(40) + "\n----\n" + second.tail(40), e);
        }
        return read.get();
    }
}
