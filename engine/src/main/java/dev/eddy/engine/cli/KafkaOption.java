package dev.eddy.engine.cli;

import dev.eddy.engine.EngineConfig;
import picocli.CommandLine.Option;

/**
 * {@code --bootstrap-servers} of the commands that read or write Kafka themselves: ./eddy dev's broker unless
 * given.
 */
final class KafkaOption {

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092", paramLabel = "<host:port,...>",
            description = "The Kafka cluster. Default: ${DEFAULT-VALUE} (./eddy dev).")
    String bootstrapServers;

    /** Settings for clients of that cluster. */
    EngineConfig config() {
        return EngineConfig.forBootstrapServers(bootstrapServers);
    }
}
