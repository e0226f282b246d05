package dev.eddy.engine.demo;

import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.local.EmbeddedKafka;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * Eddy on one machine: an embedded Kafka broker, an engine, the demo's topics and the temperature-monitor
 * function. {@code ./eddy dev} and {@code ./eddy demo} run on it.
 *
 * <p>Lifecycle: {@link #start} brings everything up; {@link #close} stops the engine (its records in flight
 * complete and are committed) and then the broker.
 */
public final class LocalPlatform implements AutoCloseable {

    public static final String TELEMETRY = "iot.telemetry";
    public static final String READINGS = "iot.readings";
    public static final String ALERTS = "iot.alerts";
    public static final String MONITOR = "temperature-monitor";
    public static final double THRESHOLD_CELSIUS = 75.0;
    /** Partitions of the topics local mode makes. */
    public static final int PARTITIONS = 6;

    private final EmbeddedKafka kafka;
    private final Engine engine;
    private final RunningFunction monitor;

    private LocalPlatform(EmbeddedKafka kafka, Engine engine, RunningFunction monitor) {
        this.kafka = kafka;
        this.engine = engine;
        this.monitor = monitor;
    }

    /**
     * @param workDir where the broker keeps its data, or null for a temporary directory deleted on close
     * @param port    the broker's client port, or 0 for a free one
     */
    public static LocalPlatform start(Path workDir, int port, MeterRegistry registry) {
        EmbeddedKafka kafka = workDir == null ? EmbeddedKafka.startTemporary()
                : EmbeddedKafka.start(workDir, port, false, Map.of());
        try {
            try (Admin admin = kafka.admin()) {
                Topics.create(admin, TELEMETRY, PARTITIONS);
                Topics.create(admin, READINGS, PARTITIONS);
                Topics.create(admin, ALERTS, 1);
            }
            Engine engine = new Engine(EngineConfig.forBootstrapServers(kafka.bootstrapServers()), registry);
            RunningFunction monitor = engine.deploy(FunctionDefinition.builder(MONITOR)
                    .input(TELEMETRY)
                    .output(READINGS)
                    .output(TemperatureMonitor.ALERTS.name(), ALERTS)
                    .config(Map.of("threshold", String.valueOf(THRESHOLD_CELSIUS)))
                    .handler(new TemperatureMonitor())
                    .build());
            return new LocalPlatform(kafka, engine, monitor);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public Engine engine() {
        return engine;
    }

    /** The demo function. */
    public RunningFunction monitor() {
        return monitor;
    }

    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            kafka.close();
        }
    }
}
