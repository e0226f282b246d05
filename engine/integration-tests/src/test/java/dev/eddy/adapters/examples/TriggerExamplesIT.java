package dev.eddy.adapters.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.TriggerAdapters;
import dev.eddy.adapters.http.HttpAdapter;
import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionStats;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.demo.TemperatureMonitor;
import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.engine.testing.servers.MosquittoProcess;
import dev.eddy.engine.testing.servers.PostgresProcess;
import dev.eddy.engine.testing.servers.TestServers;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every adapter example of {@code docs/triggers.md}, as written there (only addresses, paths and names changed to
 * the test's own), feeding the function the page pairs it with on a real broker and real sources: as many events
 * reach the function as the adapter published, every one handled, none dead-lettered, and the function's outputs
 * are what the page says.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class TriggerExamplesIT {

    private static final Duration QUIET = Duration.ofSeconds(60);

    @Test
    void shouldFeedMqttTelemetryToTheTemperatureMonitor(TestKafka kafka) throws Exception {
        MosquittoProcess mosquitto = TestServers.mosquitto();
        String prefix = kafka.uniqueName("sensors");
        String telemetry = kafka.newTopic("iot.telemetry", 3);
        String readings = kafka.newTopic("iot.readings", 1);
        String alerts = kafka.newTopic("iot.alerts", 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction monitor = engine.deploy(FunctionDefinition.builder(kafka.uniqueName("temperature-monitor"))
                    .input(telemetry).output(readings).output("alerts", alerts).handler(new TemperatureMonitor())
                    .build());
            try (AutoCloseable adapter = TriggerAdapters.start("mqtt", Settings.parse(
                    TriggerExamples.configuration("mqtt", Map.of("127.0.0.1:9092", kafka.bootstrapServers(),
                            "tcp://127.0.0.1:1883", mosquitto.url(), "eddy-mqtt", kafka.uniqueName("eddy-mqtt"),
                            "sensors/", prefix + "/", "iot.telemetry", telemetry)), name -> null), meters)) {
                Mqtt5BlockingClient device = Mqtt5Client.builder().identifier(kafka.uniqueName("device"))
                        .serverHost("127.0.0.1").serverPort(mosquitto.port()).buildBlocking();
                device.connect();
                int temperatures = 0;
                for (int i = 0; i < 30; i++) {
                    String quantity = i % 3 == 2 ? "humidity" : "temp";
                    temperatures += quantity.equals("temp") ? 1 : 0;
                    device.publishWith().topic(prefix + "/d-" + (i % 4) + "/" + quantity).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(String.valueOf(20 + i % 7).getBytes(StandardCharsets.UTF_8)).send();
                }
                device.disconnect();
                long published = awaitHandled(meters, "mqtt", monitor, 30);
                assertEquals(30, published);
                assertEquals(temperatures, kafka.readAll(readings).size(), "a checked reading per temperature");
                assertTrue(kafka.readValues(readings).get(0).contains("\"fahrenheit\""), kafka.readValues(readings)
                        .get(0));
            }
        }
    }

    @Test
    void shouldInvokeTheTutorialsGreeterOverHttp(TestKafka kafka, @TempDir Path dir) throws Exception {
        String in = kafka.newTopic("greeter.in", 3);
        String out = kafka.newTopic("greeter.out", 1);
        String function = kafka.uniqueName("greeter");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction greeter = engine.deploy(FunctionDefinition.builder(function).input(in).output(out)
                    .config(Map.of("greeting", "Hello")).handler((Handler) TriggerExamples.greeter(dir)).build());
            Map<String, String> env = Map.of("EDDY_HTTP_TOKEN", "example-token");
            try (AutoCloseable adapter = TriggerAdapters.start("http", Settings.parse(
                    TriggerExamples.configuration("http", Map.of("127.0.0.1:9092", kafka.bootstrapServers(),
                            "127.0.0.1:8090", "127.0.0.1:0", "greeter.in", in, "{greeter:", "{" + function + ":")),
                    env::get), meters)) {
                String base = "http://127.0.0.1:" + ((HttpAdapter) adapter).address().getPort();
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> invoked = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/invoke/"
                        + function)).header("Authorization", "Bearer example-token")
                        .POST(HttpRequest.BodyPublishers.ofString("Ada")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, invoked.statusCode(), invoked.body());
                assertEquals("Hello, Ada!", invoked.body());
                HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/events/" + in))
                        .header("Authorization", "Bearer example-token")
                        .POST(HttpRequest.BodyPublishers.ofString("Bob")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(202, posted.statusCode(), posted.body());
                assertEquals(2, awaitHandled(meters, "http", greeter, 2));
                assertEquals(new TreeSet<>(List.of("Hello, Ada!", "Hello, Bob!")),
                        new TreeSet<>(kafka.readValues(out)));
            }
        }
    }

    @Test
    void shouldPassOnTheErrorLinesOfALogFile(TestKafka kafka, @TempDir Path dir) throws Exception {
        String lines = kafka.newTopic("logs.app", 1);
        String errors = kafka.newTopic("logs.errors", 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Path log = dir.resolve("app.log");
        List<String> written = new ArrayList<>();
        int expectedErrors = 0;
        for (int i = 0; i < 20; i++) {
            String level = i % 5 == 0 ? "ERROR" : i % 2 == 0 ? "WARN" : "INFO";
            expectedErrors += level.equals("ERROR") ? 1 : 0;
            written.add("{\"time\": \"2026-12-06T10:00:" + (10 + i) + "Z\", \"level\": \"" + level
                    + "\", \"msg\": \"line " + i + "\"}");
        }
        Files.write(log, written);
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction function = engine.deploy(FunctionDefinition.builder(kafka.uniqueName("error-lines"))
                    .input(lines).output(errors).handler(new ErrorLines()).build());
            try (AutoCloseable adapter = TriggerAdapters.start("logs", Settings.parse(
                    TriggerExamples.configuration("logs", Map.of("127.0.0.1:9092", kafka.bootstrapServers(),
                            "/var/log/app/app.log*", dir + "/app.log*", "logs.app", lines)) + "\n  name: "
                            + kafka.uniqueName("logs") + "\n  positionsTopic: " + kafka.uniqueName("positions") + "\n",
                    name -> null), meters)) {
                assertEquals(20, awaitHandled(meters, "logs", function, 20));
                assertEquals(expectedErrors, kafka.readAll(errors).size());
                assertTrue(kafka.readValues(errors).stream().allMatch(line -> line.contains("\"level\":\"ERROR\"")),
                        kafka.readValues(errors).toString());
            }
        }
    }

    @Test
    void shouldTellWhatHappenedToEachOrder(TestKafka kafka) throws Exception {
        PostgresProcess postgres = TestServers.postgres();
        String prefix = kafka.uniqueName("cdc").replace('-', '_');
        String topic = kafka.createTopic(prefix + ".public.orders", 3);
        String out = kafka.newTopic("order-events", 1);
        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl("postgres"));
                Statement sql = db.createStatement()) {
            sql.execute("CREATE DATABASE " + prefix);
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(prefix));
                Statement sql = db.createStatement();
                Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            sql.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)");
            sql.execute("INSERT INTO orders VALUES (1, 'new'), (2, 'new')");
            RunningFunction function = engine.deploy(FunctionDefinition.builder(kafka.uniqueName("order-events"))
                    .input(topic).output(out).handler(new OrderEvents()).build());
            String config = TriggerExamples.configuration("cdc", Map.of("127.0.0.1:9092", kafka.bootstrapServers(),
                    "# port: 5432", "\n  port: " + postgres.port(), "database: shop", "database: " + prefix))
                    + "\n  topicPrefix: " + prefix + "\n  slot: " + prefix + "\n  publication: " + prefix
                    + "\n  offsetsTopic: " + prefix + "-offsets\n";
            try (AutoCloseable adapter = TriggerAdapters.start("cdc", Settings.parse(config,
                    Map.of("PGPASSWORD", "unused with trust")::get), meters)) {
                await().atMost(QUIET).until(() -> function.stats().processed() >= 2); // the snapshot
                sql.execute("INSERT INTO orders VALUES (3, 'new')");
                sql.execute("UPDATE orders SET status = 'shipped' WHERE id = 1");
                sql.execute("DELETE FROM orders WHERE id = 2");
                // 2 read in the snapshot, 1 insert, 1 update, 1 delete and the tombstone after it
                assertEquals(6, awaitHandled(meters, "cdc", function, 6));
                assertEquals(List.of("order 1 created", "order 1 updated: status shipped", "order 2 created",
                        "order 2 deleted", "order 3 created"), kafka.readValues(out).stream().sorted().toList());
            } finally {
                sql.execute("SELECT pg_drop_replication_slot('" + prefix + "')");
            }
        }
    }

    @Test
    void shouldStartAReportAtEachTick(TestKafka kafka) throws Exception {
        String ticks = kafka.newTopic("reports.tick", 1);
        String beats = kafka.newTopic("beats", 1);
        String out = kafka.newTopic("reports", 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction function = engine.deploy(FunctionDefinition.builder(kafka.uniqueName("report"))
                    .input(ticks).input(beats).output(out).handler(new Report()).build());
            // A tick a second instead of every five minutes and every ten seconds: the rest as written.
            String config = TriggerExamples.configuration("timer", Map.of("127.0.0.1:9092", kafka.bootstrapServers(),
                    "cron: \"*/5 * * * *\"", "every: 1s", "every: 10s", "every: 1s", "reports.tick", ticks,
                    "topic: beats", "topic: " + beats)) + "\n  group: " + kafka.uniqueName("timer")
                    + "\n  stateTopic: " + kafka.uniqueName("timer-state") + "\n";
            long published;
            try (AutoCloseable adapter = TriggerAdapters.start("timer", Settings.parse(config, name -> null),
                    meters)) {
                await().atMost(QUIET).until(() -> function.stats().processed() >= 4);
            }
            published = (long) meters.get("eddy.adapter.published.events").tag("adapter", "timer").counter().count();
            assertEquals(published, awaitHandled(meters, "timer", function, published));
            assertEquals(published, kafka.readAll(out).size());
            assertTrue(kafka.readValues(out).stream().allMatch(line -> line.matches("report #\\d+ for \\S+Z")),
                    kafka.readValues(out).toString());
        }
    }

    /**
     * Waits until the function has handled what the adapter published (at least {@code expected}), then checks
     * that it handled every one, failed none and dead-lettered none, and that the adapter dead-lettered none.
     *
     * @return the events the adapter published
     */
    private static long awaitHandled(SimpleMeterRegistry meters, String adapter, RunningFunction function,
            long expected) {
        await().atMost(QUIET).until(() -> published(meters, adapter) >= expected
                && function.stats().processed() >= published(meters, adapter));
        long published = published(meters, adapter);
        FunctionStats stats = function.stats();
        assertEquals(published, stats.received(), "every event the adapter published reached the function: " + stats);
        assertEquals(published, stats.succeeded(), stats.toString());
        assertEquals(0, stats.deadLettered(), stats.toString());
        assertEquals(0.0, meters.find("eddy.adapter.dead.lettered.events").counters().stream()
                .mapToDouble(counter -> counter.count()).sum(), "the adapter dead-lettered nothing");
        return published;
    }

    private static long published(SimpleMeterRegistry meters, String adapter) {
        return (long) meters.find("eddy.adapter.published.events").tag("adapter", adapter).counters().stream()
                .mapToDouble(counter -> counter.count()).sum();
    }
}
