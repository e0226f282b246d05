package dev.eddy.adapters.demo;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.eddy.adapters.AdapterKafka;
import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.TriggerAdapters;
import dev.eddy.adapters.logs.LogAdapter;
import dev.eddy.adapters.mqtt.MqttAdapter;
import dev.eddy.adapters.mqtt.MqttSettings;
import dev.eddy.adapters.timer.TimerAdapter;
import dev.eddy.cli.spi.DemoSourceProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sources of {@code ./eddy demo}, each a real adapter against a real server where this machine has one: devices
 * over MQTT (the Mosquitto at 127.0.0.1:1883, or one started for the demo), a log file being written and tailed, a
 * PostgreSQL table changing (when PostgreSQL is at 127.0.0.1:5432 with {@code wal_level=logical}), and a timer. It
 * says which it started and which it skipped, and why; closing stops them and removes what they made (the table, the
 * replication slot, the publication).
 */
public final class DemoSources implements DemoSourceProvider {

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres&connectTimeout=2";
    private static final String TABLE = "eddy_demo_orders";
    private static final String SLOT = "eddy_demo";

    @Override
    public RunningSources start(Demo demo, PrintStream out) {
        List<AutoCloseable> started = new ArrayList<>();
        ScheduledExecutorService writers = Executors.newScheduledThreadPool(3,
                Thread.ofPlatform().name("eddy-demo-source-", 0).daemon().factory());
        Map<String, Object> kafka = Map.of("bootstrapServers", demo.platform().bootstrapServers(),
                "schemaRegistry", demo.platform().schemaRegistryUrl());
        Path work = demo.workDir();
        List<String> said = new ArrayList<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        try {
            said.add(mqtt(demo, kafka, work, writers, started));
            names.add("MQTT");
        } catch (RuntimeException | IOException e) {
            said.add("MQTT skipped: " + e.getMessage());
        }
        try {
            said.add(logFile(demo, kafka, work, writers, started));
            names.add("log file");
        } catch (RuntimeException | IOException e) {
            said.add("log file skipped: " + e.getMessage());
        }
        try {
            said.add(postgres(demo, kafka, writers, started));
            names.add("PostgreSQL");
        } catch (RuntimeException | java.sql.SQLException e) {
            said.add("PostgreSQL skipped: " + e.getMessage());
        }
        try {
            Settings timer = Settings.of(Map.of("kafka", kafka, "timer", Map.of("schedules", List.of(
                    Map.of("name", "demo-tick", "every", "1s", "topic", demo.topic("timer"))))), name -> null);
            started.add(TimerAdapter.start(TimerAdapter.TimerSettings.read(timer.section("timer")),
                    EventPublisher.Options.read("timer", timer.section("kafka")), new SimpleMeterRegistry()));
            said.add("timer: a tick a second → " + demo.topic("timer"));
            names.add("timer");
        } catch (RuntimeException e) {
            said.add("timer skipped: " + e.getMessage());
        }
        out.println("Sources (trigger adapters) feeding the function 'source-events':");
        said.forEach(line -> out.println("  " + line));
        out.println();
        return new Started(names, () -> {
            writers.shutdownNow(); // the writers first: nothing more to pass on
            writers.awaitTermination(5, TimeUnit.SECONDS);
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception e) {
                    // stopping what is left matters more
                }
            }
        });
    }

    /** What the demo started: the names of the sources that run (the engine counts only those), and their stop. */
    private record Started(java.util.Set<String> started, AutoCloseable stop) implements RunningSources {

        @Override
        public void close() throws Exception {
            stop.close();
        }
    }

    /** Devices publishing over MQTT, bridged by the MQTT adapter. */
    private static String mqtt(Demo demo, Map<String, Object> kafka, Path work, ScheduledExecutorService writers,
            List<AutoCloseable> started) throws IOException {
        int port = 1883;
        String broker = "the Mosquitto at 127.0.0.1:1883";
        if (!listening(port)) {
            Path binary = Path.of("/usr/sbin/mosquitto");
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException("no MQTT broker at 127.0.0.1:1883 and no mosquitto to start (install"
                        + " the Debian package 'mosquitto')");
            }
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Path config = work.resolve("mosquitto.conf");
            Files.writeString(config, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n");
            Process mosquitto = new ProcessBuilder(binary.toString(), "-c", config.toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("mosquitto.log").toFile()).start();
            started.add(() -> {
                mosquitto.destroy();
                mosquitto.waitFor(10, TimeUnit.SECONDS);
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            try {
                while (!listening(port) && System.nanoTime() < deadline) {
                    mosquitto.waitFor(50, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting mosquitto");
            }
            broker = "a Mosquitto started for the demo at 127.0.0.1:" + port;
        }
        Settings settings = Settings.of(Map.of("kafka", kafka, "mqtt", Map.of("server", "tcp://127.0.0.1:" + port,
                "clientId", "eddy-demo-" + ProcessHandle.current().pid(), "sessionExpiry", "1m",
                "routes", List.of(Map.of("filter", "eddy-demo/{device}/{quantity}", "topic", demo.topic("MQTT"),
                        "units", Map.of("temperature", "Cel"))))), name -> null);
        EventPublisher.Options options = EventPublisher.Options.read("mqtt", settings.section("kafka"));
        AdapterKafka.createTopic(options, options.deadLetterTopic(), Map.of());
        EventPublisher publisher = new EventPublisher(options, new SimpleMeterRegistry());
        started.add(MqttAdapter.start(MqttSettings.read(settings.section("mqtt")), publisher));
        Mqtt5AsyncClient devices = Mqtt5Client.builder().identifier("eddy-demo-devices-" + ProcessHandle.current().pid())
                .serverHost("127.0.0.1").serverPort(port).buildAsync();
        devices.connect().join();
        started.add(() -> devices.disconnect().get(5, TimeUnit.SECONDS));
        Random random = new Random();
        writers.scheduleAtFixedRate(() -> devices.publishWith()
                .topic("eddy-demo/sensor-" + random.nextInt(5) + "/temperature").qos(MqttQos.AT_LEAST_ONCE)
                .payload(String.format(java.util.Locale.ROOT, "%.1f", 18 + random.nextDouble() * 8).getBytes())
                .send(), 0, 100, TimeUnit.MILLISECONDS);
        return "MQTT: 5 devices through " + broker + " → " + demo.topic("MQTT");
    }

    /** A log file written as an application would, tailed by the log adapter. */
    private static String logFile(Demo demo, Map<String, Object> kafka, Path work, ScheduledExecutorService writers,
            List<AutoCloseable> started) throws IOException {
        Path file = work.resolve("demo-app.log");
        Files.writeString(file, "");
        Settings settings = Settings.of(Map.of("kafka", kafka, "logs", Map.of("name", "eddy-demo-logs",
                "pollInterval", "100ms", "files", List.of(Map.of("path", work + "/demo-app.log*",
                        "topic", demo.topic("log file"), "multiline", "^\\s")))), name -> null);
        started.add(LogAdapter.start(settings.section("logs"), EventPublisher.Options.read("logs",
                settings.section("kafka")), new SimpleMeterRegistry()));
        int[] line = {0};
        writers.scheduleAtFixedRate(() -> {
            try (Writer out = Files.newBufferedWriter(file, StandardOpenOption.APPEND)) {
                line[0]++;
                if (line[0] % 10 == 0) {
                    out.write(java.time.Instant.now() + " ERROR order " + line[0] + " failed\n"
                            + "java.lang.IllegalStateException: payment declined\n\tat shop.Orders.pay(Orders.java:42)\n");
                } else {
                    out.write(java.time.Instant.now() + " INFO order " + line[0] + " placed\n");
                }
            } catch (IOException e) {
                // the demo goes on without this line
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        return "log file: " + file + " being written and tailed → " + demo.topic("log file");
    }

    /** A table changing, captured by the CDC adapter, when PostgreSQL can be captured here. */
    private static String postgres(Demo demo, Map<String, Object> kafka, ScheduledExecutorService writers,
            List<AutoCloseable> started) throws java.sql.SQLException {
        if (!TriggerAdapters.KINDS.contains("cdc")) {
            throw new IllegalStateException("the cdc adapter (module eddy-trigger-cdc) is not on the class path");
        }
        if (!listening(5432)) {
            throw new IllegalStateException("no PostgreSQL at 127.0.0.1:5432");
        }
        Connection db = DriverManager.getConnection(JDBC);
        try (Statement sql = db.createStatement(); ResultSet level = sql.executeQuery("SHOW wal_level")) {
            level.next();
            if (!"logical".equals(level.getString(1))) {
                db.close();
                throw new IllegalStateException("PostgreSQL at 127.0.0.1:5432 has wal_level=" + level.getString(1)
                        + "; change capture needs logical (ALTER SYSTEM SET wal_level = logical, then a restart)");
            }
            cleanUp(sql);
            sql.execute("CREATE TABLE " + TABLE + " (id int PRIMARY KEY, item text, quantity int)");
        }
        started.add(() -> {
            try (db; Statement sql = db.createStatement()) {
                cleanUp(sql);
            }
        });
        Settings settings = Settings.of(Map.of("kafka", kafka, "cdc", Map.of("name", "eddy-demo-cdc",
                "database", "postgres", "tables", List.of("public." + TABLE), "topicPrefix", "demo.cdc", "slot", SLOT,
                "publication", SLOT, "offsetsTopic", "eddy.demo.cdc.offsets")), name -> null);
        started.add(TriggerAdapters.start("cdc", settings, new SimpleMeterRegistry()));
        int[] order = {0};
        writers.scheduleAtFixedRate(() -> {
            try (Statement sql = db.createStatement()) {
                order[0]++;
                sql.execute("INSERT INTO " + TABLE + " VALUES (" + order[0] + ", 'item-" + order[0] + "', 1)");
                if (order[0] > 1) {
                    sql.execute("UPDATE " + TABLE + " SET quantity = quantity + 1 WHERE id = " + (order[0] - 1));
                }
            } catch (java.sql.SQLException e) {
                // the demo goes on without this change
            }
        }, 500, 300, TimeUnit.MILLISECONDS);
        return "PostgreSQL: table public." + TABLE + " changing, captured → " + demo.topic("PostgreSQL");
    }

    /** Removes what an earlier demo may have left: the table, the slot and the publication. */
    private static void cleanUp(Statement sql) throws java.sql.SQLException {
        sql.execute("DROP TABLE IF EXISTS " + TABLE);
        sql.execute("DROP PUBLICATION IF EXISTS " + SLOT);
        try (ResultSet slots = sql.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + SLOT + "' AND NOT active")) {
            slots.next();
            if (slots.getInt(1) > 0) {
                sql.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
