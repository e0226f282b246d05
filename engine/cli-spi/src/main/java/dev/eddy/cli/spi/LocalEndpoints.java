package dev.eddy.cli.spi;

import java.util.Objects;

/**
 * Where the local platform ({@code ./eddy dev}, the demo) is reached.
 *
 * @param bootstrapServers  its Kafka broker, {@code host:port}
 * @param schemaRegistryUrl its schema registry, {@code http://host:port}
 */
public record LocalEndpoints(String bootstrapServers, String schemaRegistryUrl) {

    public LocalEndpoints {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
    }
}
