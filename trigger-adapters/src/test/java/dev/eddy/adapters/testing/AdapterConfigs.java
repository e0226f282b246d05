package dev.eddy.adapters.testing;

import dev.eddy.engine.registry.EmbeddedSchemaRegistry;
import dev.eddy.engine.testing.TestKafka;

/** The parts of adapter configuration files that every test writes alike. */
public final class AdapterConfigs {

    private AdapterConfigs() {
    }

    /** The {@code kafka} section for the test's broker and registry, as lines of YAML. */
    public static String kafka(TestKafka kafka, EmbeddedSchemaRegistry registry) {
        return String.join("\n",
                "kafka:",
                "  bootstrapServers: " + kafka.bootstrapServers(),
                "  schemaRegistry: " + registry.url());
    }
}
