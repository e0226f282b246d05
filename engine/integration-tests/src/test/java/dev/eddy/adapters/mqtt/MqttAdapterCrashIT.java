package dev.eddy.adapters.mqtt;

import static org.awaitility.Awaitility.await;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 QoS 1 messages from a real MQTT client through a real Mosquitto; the adapter, a process of its own, is
 * killed with SIGKILL mid-stream and started again: every message Mosquitto acknowledged to the client is in Kafka.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class MqttAdapterCrashIT {

    private static final int MESSAGES = 10_000;
    private static final int DEVICES = 20;

    @Test
    void shouldLoseNoAcknowledgedMessageWhenTheAdapterIsKilledMidStream(TestKafka kafka,
            @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        String topic = kafka.newTopic("iot-telemetry", 3);
        String deadLetters = kafka.newTopic("mqtt-dlq", 1);
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka);
                MosquittoProcess mosquitto = MosquittoProcess.start(dir.resolve("mosquitto"))) {
            Path config = AdapterConfigs.write(dir.resolve("mqtt.yaml"), kafka, registry,
                    "  deadLetterTopic: " + deadLetters,
                    "mqtt:",
                    "  server: " + mosquitto.url(),
                    "  clientId: " + kafka.uniqueName("bridge"),
                    "  routes:",
                    "    - filter: sensors/{device}/{quantity}",
                    "      topic: " + topic,
                    "      units: {temp: Cel}", "");
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            try (EngineProcess adapter = new EngineProcess("trigger", List.of("mqtt", "--config", config.toString()),
                    dir.resolve("adapter.log"), Map.of())) {
                adapter.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> adapter.output().contains("running"));

                Mqtt5AsyncClient device = Mqtt5Client.builder().identifier(kafka.uniqueName("devices"))
                        .serverHost("127.0.0.1").serverPort(mosquitto.port()).buildAsync();
                device.connect().get(10, TimeUnit.SECONDS);
                CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publish(device, acknowledged));

                // Kill the adapter once about a third of the messages are in Kafka, and start it again at once.
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.endOffsetSum(topic) >= MESSAGES / 3);
                long atKill = kafka.endOffsetSum(topic);
                adapter.kill();
                adapter.start();
                publishing.get(120, TimeUnit.SECONDS);
                device.disconnect().get(10, TimeUnit.SECONDS);
                assertEquals(MESSAGES, acknowledged.size(), "Mosquitto acknowledged every message");
                assertTrue(atKill < MESSAGES, "killed mid-stream, at " + atKill);

                AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
                java.util.concurrent.atomic.AtomicReference<Map<String, Integer>> read =
                        new java.util.concurrent.atomic.AtomicReference<>(Map.of());
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
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
                    Map<String, Integer> inKafka = read.get();
                    String output = adapter.output();
                    throw new AssertionError(inKafka.size() + " of " + acknowledged.size() + " in Kafka (killed at "
                            + atKill + "); the adapter said:\n" + output.substring(Math.max(0, output.length()
                            - 6000)), e);
                }
                Map<String, Integer> inKafka = read.get();
                List<String> lost = new ArrayList<>(acknowledged);
                lost.removeAll(inKafka.keySet());
                long duplicates = inKafka.values().stream().mapToInt(n -> n - 1).sum();
                System.out.printf("MQTT bridge crash: %d acknowledged, %d in Kafka (%d repeated), lost %d; killed at %d%n",
                        acknowledged.size(), inKafka.size(), duplicates, lost.size(), atKill);
                assertEquals(List.of(), lost, "lost");
                assertEquals(0, kafka.readAll(deadLetters).size(), "every message was telemetry");
                assertEquals(128 + 15, adapter.terminate(Duration.ofSeconds(30)), "the exit status of SIGTERM");
                assertTrue(adapter.output().endsWith("eddy trigger mqtt: stopped\n"), "stopped in order");
            }
        }
    }

    /** Publishes every message at QoS 1, a hundred unacknowledged at most, noting those Mosquitto acknowledged. */
    private static void publish(Mqtt5AsyncClient device, Set<String> acknowledged) {
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(100);
        for (int i = 0; i < MESSAGES; i++) {
            String id = "m-" + i;
            window.acquireUninterruptibly();
            device.publishWith().topic("sensors/d-" + (i % DEVICES) + "/temp").qos(MqttQos.AT_LEAST_ONCE)
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
}
