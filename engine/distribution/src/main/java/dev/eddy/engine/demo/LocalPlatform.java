package dev.eddy.engine.demo;

import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.deploy.Deployments;
import dev.eddy.engine.deploy.FunctionStore;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.local.EmbeddedKafka;
import dev.eddy.engine.manifest.FunctionFactory;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
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
    /** The demo's windowed function, and where it writes: each device's min/avg/max per window. */
    public static final String DEVICE_STATS = "device-stats";
    public static final String DEVICE_STATS_TOPIC = "iot.device-stats";
    public static final double THRESHOLD_CELSIUS = 75.0; // as temperature-monitor.yaml sets it
    /** Partitions of the topics local mode makes. */
    public static final int PARTITIONS = 6;

    private final EmbeddedKafka kafka;
    private final Engine engine;
    private final FunctionStore store;
    private final Deployments deployments;
    private final int restored;
    private final EmbeddedSchemaRegistry schemaRegistry;

    private LocalPlatform(EmbeddedKafka kafka, Engine engine, FunctionStore store, Deployments deployments,
            int restored, EmbeddedSchemaRegistry schemaRegistry) {
        this.schemaRegistry = schemaRegistry;
        this.kafka = kafka;
        this.engine = engine;
        this.store = store;
        this.deployments = deployments;
        this.restored = restored;
    }

    /**
     * @param workDir where the broker keeps its data, or null for a temporary directory deleted on close
     * @param port    the broker's client port, or 0 for a free one
     */
    public static LocalPlatform start(Path workDir, int port, MeterRegistry registry) {
        return start(workDir, port, 0, registry);
    }

    /**
     * @param registryPort the schema registry's port on 127.0.0.1, or 0 for a free one
     */
    public static LocalPlatform start(Path workDir, int port, int registryPort, MeterRegistry registry) {
        EmbeddedKafka kafka = workDir == null ? EmbeddedKafka.startTemporary()
                : EmbeddedKafka.start(workDir, port, false, Map.of());
        EmbeddedSchemaRegistry schemaRegistry = null;
        try {
            EngineConfig config = EngineConfig.forBootstrapServers(kafka.bootstrapServers());
            try (Admin admin = kafka.admin()) {
                Topics.create(admin, TELEMETRY, PARTITIONS);
                Topics.create(admin, READINGS, PARTITIONS);
                Topics.create(admin, ALERTS, 1);
                schemaRegistry = new EmbeddedSchemaRegistry(config, admin, "127.0.0.1", registryPort);
            }
            // Functions are told where the registry is, for their Avro codecs.
            Engine engine = new Engine(config.with(Map.of(EngineConfig.SCHEMA_REGISTRY_URL, schemaRegistry.url())),
                    registry);
            FunctionStore store = new FunctionStore(engine.config(), engine.admin());
            Deployments deployments = new Deployments(engine, new FunctionFactory(System::getenv),
                    kafka.workDir().resolve("functions"), store)
                    .creatingMissingTopics(PARTITIONS);
            // Functions deployed in earlier runs first; the sample function unless one of them is it.
            int restored = deployments.restore();
            if (engine.function(MONITOR).isEmpty()) {
                deployments.deploy(SampleFunctionJar.archive());
            }
            return new LocalPlatform(kafka, engine, store, deployments, restored, schemaRegistry);
        } catch (java.io.IOException | RuntimeException e) {
            if (schemaRegistry != null) {
                schemaRegistry.close();
            }
            kafka.close();
            throw e instanceof java.io.IOException io ? new java.io.UncheckedIOException(io) : (RuntimeException) e;
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

    /** The embedded schema registry (Confluent API), whose schemas live in the broker. */
    public EmbeddedSchemaRegistry schemaRegistry() {
        return schemaRegistry;
    }

    /** The functions deployed through the admin API, and the sample function. */
    public Deployments deployments() {
        return deployments;
    }

    /** How many functions of earlier runs were started again. */
    public int restored() {
        return restored;
    }

    /**
     * The sample function as it runs now (it may have been replaced through the admin API).
     *
     * @throws IllegalStateException when it was undeployed
     */
    public RunningFunction monitor() {
        return engine.function(MONITOR).orElseThrow(() -> new IllegalStateException(MONITOR + " is not deployed"));
    }

    @Override
    public void close() {
        try {
            schemaRegistry.close();
            deployments.close();
            store.close();
            engine.close();
        } finally {
            kafka.close();
        }
    }
}
