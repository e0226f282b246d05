package dev.eddy.adapters.testing;

import dev.eddy.adapters.EventPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.adapters.http.HttpAdapter;
import dev.eddy.adapters.http.HttpSettings;
import dev.eddy.schemas.registry.server.EmbeddedSchemaRegistry;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
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
