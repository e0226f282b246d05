package dev.eddy.adapters.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.adapters.Settings;
import dev.eddy.adapters.TriggerAdapter;
import dev.eddy.adapters.TriggerAdapters;
import dev.eddy.engine.testing.EngineProcess;
import dev.eddy.engine.testing.KafkaReader;
import dev.eddy.observability.MetricsEndpoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two HTTP adapters started from one configuration file, as a Deployment with two replicas runs them: each takes
 * its own transactional id and replies topic, so neither fences the other; requests spread over both all land, once
 * each, and each retried (with its idempotency key) at the other adapter is recognised there: no second event. Their broker (a process of the test's own) is then stopped: both say they are not ready within 10 s, and
 * ready again once it is back.
 */
class HttpAdapterPairIT {

    private static final int REQUESTS = 3_000;

    @Test
    void shouldShareTheLoadOfOneConfigurationAndSayWhenKafkaIsAway(@TempDir Path dir) throws Exception {
        int port = freePort();
        String bootstrap = "127.0.0.1:" + port;
        try (EngineProcess broker = new EngineProcess("broker", List.of("--node-id", "1", "--nodes",
                "1:" + port + ":" + freePort(), "--cluster-id", Uuid.randomUuid().toString(), "--data-dir",
                dir.resolve("broker").toString()), dir.resolve("broker.log"), Map.of()).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                broker.awaitWhileRunning("the broker to take a topic", Duration.ofSeconds(60), () -> {
                    try {
                        admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
                        return true;
                    } catch (Exception notYet) {
                        return notYet.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException;
                    }
                });
            }
            String configuration = String.join("\n",
                    "kafka:",
                    "  bootstrapServers: " + bootstrap,
                    "http:",
                    "  listen: 127.0.0.1:0",
                    "  topics: [orders]", "");
            List<Running> adapters = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    adapters.add(Running.start(configuration));
                }
                HttpClient http = HttpClient.newHttpClient();
                for (Running adapter : adapters) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> adapter.ready(http) == 200);
                }

                Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
                AtomicInteger replayed = new AtomicInteger();
                try (ExecutorService clients = Executors.newFixedThreadPool(16)) {
                    List<Future<?>> sent = new ArrayList<>();
                    for (int i = 0; i < REQUESTS; i++) {
                        String order = "order-" + i;
                        Running first = adapters.get(i % 2);
                        Running other = adapters.get((i + 1) % 2);
                        sent.add(clients.submit(() -> {
                            // The request, then its retry (the same key) at the other adapter once answered.
                            for (Running adapter : List.of(first, other)) {
                                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(
                                        adapter.base() + "/v1/events/orders")).header("Idempotency-Key", order)
                                        .POST(HttpRequest.BodyPublishers.ofString(order)).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                answers.computeIfAbsent(answer.statusCode(), status -> new AtomicInteger())
                                        .incrementAndGet();
                                if (answer.headers().firstValue("Idempotent-Replayed").isPresent()) {
                                    replayed.incrementAndGet();
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> request : sent) {
                        request.get();
                    }
                }
                assertEquals(Map.of(202, 2 * REQUESTS), Map.copyOf(toInts(answers)), "every request taken, no 503");
                List<ConsumerRecord<byte[], byte[]>> events = new KafkaReader(bootstrap).readAll("orders");
                Set<String> orders = new HashSet<>();
                events.forEach(event -> orders.add(new String(event.value(), StandardCharsets.UTF_8)));
                System.out.printf("[http pair] %d requests over 2 adapters, each retried at the other: %s, %d"
                        + " replayed; %d events, %d distinct%n", REQUESTS, answers, replayed.get(), events.size(),
                        orders.size());
                assertEquals(REQUESTS, replayed.get(), "each retry answered as a replay by the other adapter");
                assertEquals(REQUESTS, events.size(), "one event per request, none for its retry");
                assertEquals(REQUESTS, orders.size(), "each request's event once");

                long stopped = System.nanoTime();
                broker.terminate(Duration.ofSeconds(60));
                for (Running adapter : adapters) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> adapter.ready(http) == 503);
                }
                double notReady = (System.nanoTime() - stopped) / 1e9;
                assertTrue(adapters.get(0).readyBody(http).contains("does not answer"),
                        adapters.get(0).readyBody(http));
                long restarted = System.nanoTime();
                broker.start();
                for (Running adapter : adapters) {
                    broker.awaitWhileRunning("the adapter to be ready again", Duration.ofSeconds(60),
                            () -> adapter.ready(http) == 200);
                }
                double readyAgain = (System.nanoTime() - restarted) / 1e9;
                System.out.printf("[http pair] Kafka stopped: both not ready after %.1f s; started again: both ready"
                        + " after %.1f s%n", notReady, readyAgain);
                for (Running adapter : adapters) {
                    HttpResponse<String> after = http.send(HttpRequest.newBuilder(URI.create(adapter.base()
                            + "/v1/events/orders")).POST(HttpRequest.BodyPublishers.ofString("after")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(202, after.statusCode(), after.body());
                }
                assertNotEquals(adapters.get(0).adapter(), adapters.get(1).adapter());
            } finally {
                adapters.forEach(Running::close);
            }
        }
    }

    /** An adapter with its probes served, as {@code ./eddy trigger http} runs it. */
    private record Running(TriggerAdapter adapter, MetricsEndpoint probes) implements AutoCloseable {

        static Running start(String configuration) {
            PrometheusMeterRegistry meters = MetricsEndpoint.newRegistry();
            TriggerAdapter adapter = TriggerAdapters.start("http", Settings.parse(configuration, name -> null),
                    meters);
            MetricsEndpoint probes = MetricsEndpoint.start("127.0.0.1", 0, meters, "--metrics-port");
            probes.readiness(adapter::problems);
            return new Running(adapter, probes);
        }

        String base() {
            return "http://127.0.0.1:" + ((HttpAdapter) adapter).address().getPort();
        }

        /** The readiness probe's status; 0 when the probe itself does not answer. */
        int ready(HttpClient http) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probes.port()
                        + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException e) {
                return 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }

        String readyBody(HttpClient http) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probes.port() + "/health/ready"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        }

        @Override
        public void close() {
            adapter.close();
            probes.close();
        }
    }

    private static Map<Integer, Integer> toInts(Map<Integer, AtomicInteger> counts) {
        Map<Integer, Integer> plain = new java.util.TreeMap<>();
        counts.forEach((status, count) -> plain.put(status, count.get()));
        return plain;
    }

    private static int freePort() throws java.io.IOException {
        return dev.eddy.engine.testing.servers.ServerProcess.freePort();
    }
}
