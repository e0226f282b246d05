package dev.eddy.adapters.testing;

import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.http.HttpAdapter;
import dev.eddy.adapters.http.HttpSettings;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The parts of adapter configuration files that every test writes alike. */
public final class AdapterConfigs {

    private AdapterConfigs() {
    }

    /**
     * The {@code kafka} section for the test's broker and registry, as lines of YAML, the events written as Avro
     * envelopes (these tests read them so; the examples' test, TriggerExamplesIT, writes the default JSON).
     */
    public static String kafka(TestKafka kafka, EmbeddedSchemaRegistry registry) {
        return String.join("\n",
                "kafka:",
                "  bootstrapServers: " + kafka.bootstrapServers(),
                "  schemaRegistry: " + registry.url(),
                "  format: avro");
    }

    /** A schema registry of the test's own on a free port, on the test's broker. */
    public static EmbeddedSchemaRegistry registry(TestKafka kafka) throws IOException {
        return new EmbeddedSchemaRegistry(kafka.engineConfig(Map.of()), kafka.admin(), "127.0.0.1", 0);
    }

    /** Writes an adapter's configuration file: the {@link #kafka} section, then the given lines. */
    public static Path write(Path file, TestKafka kafka, EmbeddedSchemaRegistry registry, String... lines)
            throws IOException {
        Files.writeString(file, kafka(kafka, registry) + "\n" + String.join("\n", lines));
        return file;
    }

    /** An HTTP adapter on a free port of 127.0.0.1 taking events for one topic, with keys and transactions its own. */
    public static HttpAdapter httpAdapter(TestKafka kafka, EmbeddedSchemaRegistry registry, String topic,
            MeterRegistry meters) {
        Settings settings = Settings.parse(String.join("\n",
                kafka(kafka, registry),
                "http:",
                "  listen: 127.0.0.1:0",
                "  topics: [" + topic + "]",
                "  transactionalId: " + kafka.uniqueName("http"),
                "  keysTopic: " + kafka.uniqueName("http-keys"), ""), Map.<String, String>of()::get);
        return HttpAdapter.start(HttpSettings.read(settings.section("http")),
                EventPublisher.Options.read("http", settings.section("kafka")), meters);
    }
}
