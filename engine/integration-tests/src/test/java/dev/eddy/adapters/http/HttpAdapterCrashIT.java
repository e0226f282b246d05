package dev.eddy.adapters.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.testing.AdapterConfigs;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.registry.SchemaRegistryClient;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.schemas.serde.AvroSerde;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * 3,000 requests, each with its own idempotency key, from 16 clients that retry until they get a 2xx; the adapter,
 * a process of its own, is killed with SIGKILL mid-run and started again: every request answered 2xx is in Kafka,
 * and no key's event is there twice (read_committed).
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class HttpAdapterCrashIT {

    private static final int REQUESTS = 3000;

    @Test
    void shouldKeepEveryAcceptedRequestOnceWhenTheAdapterIsKilledUnderLoad(TestKafka kafka,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String topic = kafka.newTopic("http-in", 3);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (EmbeddedSchemaRegistry registry = AdapterConfigs.registry(kafka)) {
            Path config = AdapterConfigs.write(dir.resolve("http.yaml"), kafka, registry,
                    "http:",
                    "  listen: 127.0.0.1:" + port,
                    "  topics: [" + topic + "]",
                    "  transactionalId: " + kafka.uniqueName("http"),
                    "  keysTopic: " + kafka.uniqueName("keys"), "");
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            AtomicInteger retries = new AtomicInteger();
            try (EngineProcess adapter = new EngineProcess("trigger", List.of("http", "--config", config.toString()),
                    dir.resolve("adapter.log"), Map.of())) {
                adapter.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> adapter.output().contains("running"));
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                String url = "http://127.0.0.1:" + port + "/v1/events/" + topic;
                ExecutorService clients = Executors.newFixedThreadPool(16);
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < REQUESTS; i++) {
                    String key = "req-" + i;
                    sent.add(clients.submit(() -> send(http, url, key, accepted, retries)));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= REQUESTS / 3);
                int atKill = accepted.size();
                adapter.kill();
                adapter.start();
                for (Future<?> request : sent) {
                    request.get(120, TimeUnit.SECONDS);
                }
                clients.shutdown();
                assertEquals(REQUESTS, accepted.size(), "every request was accepted in the end");
                assertTrue(atKill < REQUESTS, "killed mid-run, at " + atKill);

                AvroSerde serde = new AvroSerde(SchemaRegistryClient.builder(registry.url()).build());
                Map<String, Integer> inKafka = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
                    inKafka.merge(serde.deserialize(record.value(), Envelope.class).getId(), 1, Integer::sum);
                }
                List<String> lost = new ArrayList<>(accepted);
                lost.removeAll(inKafka.keySet());
                long duplicates = inKafka.values().stream().mapToInt(n -> n - 1).sum();
                System.out.printf("HTTP adapter crash: %d accepted (%d retried sends), %d in Kafka, lost %d,"
                        + " duplicated %d; killed at %d%n", accepted.size(), retries.get(), inKafka.size(),
                        lost.size(), duplicates, atKill);
                assertEquals(List.of(), lost, "lost");
                assertEquals(0, duplicates, "a retried key made no second event");
                assertEquals(REQUESTS, inKafka.size(), "nothing but the requests");
            }
        }
    }

    /**
     * Sends one request until it is accepted (a 2xx), the same key each time; while the adapter is down, waits until
     * its port takes connections again.
     */
    private static void send(HttpClient http, String url, String key, Set<String> accepted, AtomicInteger retries) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header(HttpAdapter.IDEMPOTENCY_KEY, key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"request\": \"" + key + "\"}")).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    accepted.add(key);
                    return;
                }
            } catch (IOException e) {
                // The adapter is down or went down mid-request: send it again once it listens.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> listening(request.uri().getPort()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            retries.incrementAndGet();
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
