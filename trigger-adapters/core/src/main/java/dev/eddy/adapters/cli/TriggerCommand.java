package dev.eddy.adapters.cli;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.TriggerAdapter;
import dev.eddy.adapters.TriggerAdapters;
import dev.eddy.observability.MetricsEndpoint;
import dev.eddy.observability.MetricsOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./eddy trigger <kind> --config <file>}: one trigger adapter, running until stopped. */
@Command(name = "trigger", mixinStandardHelpOptions = true,
        description = "Runs a trigger adapter that publishes events from a source to Kafka, until stopped (Ctrl-C,"
                + " SIGTERM).",
        subcommands = {TriggerCommand.Mqtt.class, TriggerCommand.Http.class, TriggerCommand.Logs.class,
            TriggerCommand.Cdc.class, TriggerCommand.Timer.class})
public final class TriggerCommand implements Runnable {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The MQTT adapter. */
    @Command(name = "mqtt", mixinStandardHelpOptions = true,
            description = {"Subscribes to an MQTT broker and publishes each message to Kafka as an Avro envelope of"
                    + " telemetry, acknowledging QoS 1 messages only once Kafka has them.",
                "",
                "The configuration file (YAML):",
                "  kafka:",
                "    bootstrapServers: 127.0.0.1:9092",
                "    schemaRegistry: http://127.0.0.1:8085",
                "  mqtt:",
                "    server: tcp://127.0.0.1:1883",
                "    clientId: eddy-mqtt          # also the broker's session name",
                "    routes:",
                "      - filter: sensors/{device}/{quantity}",
                "        topic: iot.telemetry",
                "        key: \"{device}\"",
                "        units: {temp: Cel}"})
    static final class Mqtt extends AdapterCommand {
        @Override
        String kind() {
            return "mqtt";
        }
    }

    /** The HTTP adapter. */
    @Command(name = "http", mixinStandardHelpOptions = true,
            description = {"Takes events over HTTP (POST /v1/events/{topic}, /v1/events/{topic}/batch; JSON, or"
                    + " CloudEvents in structured or binary mode) and answers 202 once Kafka has them. A request"
                    + " with an Idempotency-Key header is taken once, across retries and restarts.",
                "",
                "The configuration file (YAML):",
                "  kafka:",
                "    bootstrapServers: 127.0.0.1:9092",
                "    schemaRegistry: http://127.0.0.1:8085",
                "  http:",
                "    listen: 127.0.0.1:8090",
                "    topics: [orders]",
                "    tokens: [env:EDDY_HTTP_TOKEN]"})
    static final class Http extends AdapterCommand {
        @Override
        String kind() {
            return "http";
        }
    }

    /** The log file adapter. */
    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = {"Tails log files into Kafka, through rotation and copytruncate, each complete line (or"
                    + " multiline event) once, resuming after a restart from the positions kept in Kafka.",
                "",
                "The configuration file (YAML):",
                "  kafka:",
                "    bootstrapServers: 127.0.0.1:9092",
                "    schemaRegistry: http://127.0.0.1:8085",
                "  logs:",
                "    files:",
                "      - path: /var/log/app/app.log*",
                "        topic: logs.app",
                "        format: json             # or logfmt, plain",
                "        multiline: '^\\s'        # lines that continue an event"})
    static final class Logs extends AdapterCommand {
        @Override
        String kind() {
            return "logs";
        }
    }

    /** PostgreSQL change data capture. */
    @Command(name = "cdc", mixinStandardHelpOptions = true,
            description = {"Captures the changes of PostgreSQL tables into Kafka (Debezium, pgoutput; the database"
                    + " needs wal_level=logical), a topic per table, resuming after a restart where it was.",
                "",
                "The configuration file (YAML):",
                "  kafka:",
                "    bootstrapServers: 127.0.0.1:9092",
                "    schemaRegistry: http://127.0.0.1:8085",
                "  cdc:",
                "    host: 127.0.0.1",
                "    database: shop",
                "    user: postgres",
                "    password: env:PGPASSWORD",
                "    tables: [public.orders]     # into cdc.public.orders"})
    static final class Cdc extends AdapterCommand {
        @Override
        String kind() {
            return "cdc";
        }
    }

    /** The timer. */
    @Command(name = "timer", mixinStandardHelpOptions = true,
            description = {"Fires schedules (cron expressions or fixed rates) as events, each tick once however many"
                    + " timers of the same group run.",
                "",
                "The configuration file (YAML):",
                "  kafka:",
                "    bootstrapServers: 127.0.0.1:9092",
                "    schemaRegistry: http://127.0.0.1:8085",
                "  timer:",
                "    schedules:",
                "      - name: report",
                "        cron: '*/5 * * * *'      # or every: 10s",
                "        topic: reports.tick",
                "        missed: skip             # or catch-up"})
    static final class Timer extends AdapterCommand {
        @Override
        String kind() {
            return "timer";
        }
    }

    /** What every adapter's command is: its configuration file, then the adapter until stopped. */
    abstract static class AdapterCommand implements Callable<Integer> {

        @Option(names = "--config", required = true, paramLabel = "<file>", description = "The configuration file.")
        private Path config;

        @Mixin
        private MetricsOptions metrics;

        abstract String kind();

        @Override
        public Integer call() throws Exception {
            PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
            MetricsEndpoint endpoint;
            try {
                endpoint = metrics.start(registry, MetricsEndpoint.ADAPTER_PORT);
            } catch (IllegalArgumentException e) {
                System.err.println("eddy trigger " + kind() + ": " + e.getMessage());
                return 2;
            }
            if (endpoint != null) {
                System.out.println("eddy trigger " + kind() + ": " + endpoint);
            }
            MetricsEndpoint probes = endpoint;
            try {
                return runUntilStopped(kind(), () -> {
                    TriggerAdapter adapter = TriggerAdapters.start(kind(), Settings.read(config), registry);
                    if (probes != null) {
                        probes.readiness(adapter::problems); // Kafka answering, the source connected, not fenced
                    }
                    return adapter;
                });
            } finally {
                if (endpoint != null) {
                    endpoint.close();
                }
            }
        }
    }

    @FunctionalInterface
    private interface Starter {
        TriggerAdapter start();
    }

    /**
     * Starts an adapter, then waits for a stop signal and closes it: exit code 0. A bad setting is one line and exit
     * code 2; an adapter that stops by itself for good (its source gone, its producer fenced) is one line with the
     * cause and exit code 1.
     */
    private static int runUntilStopped(String kind, Starter starter) throws Exception {
        TriggerAdapter adapter;
        try {
            adapter = starter.start();
        } catch (AdapterException e) {
            System.err.println("eddy trigger " + kind + ": " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                adapter.close();
                dev.eddy.adapters.AdapterTracing.flush();
                System.out.println("eddy trigger " + kind + ": stopped");
            } catch (Exception e) {
                System.err.println("eddy trigger " + kind + ": stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "eddy-trigger-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println("eddy trigger " + kind + ": running; stop it with Ctrl-C or SIGTERM");
        adapter.failed().thenRun(stopped::countDown);
        stopped.await();
        Throwable failure = adapter.failed().getNow(null);
        if (failure == null) {
            return 0;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return 1; // the hook is closing it already
        }
        System.err.println("eddy trigger " + kind + ": stopped: " + failure.getMessage());
        adapter.close();
        return 1;
    }
}
