package dev.eddy.engine.cli;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.Names;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * {@code --bootstrap-servers} and {@code --command-config} of the commands that read or write Kafka themselves:
 * ./eddy dev's broker unless given.
 */
final class KafkaOption {

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092", paramLabel = "<host:port,...>",
            description = "The Kafka cluster. Default: the running ./eddy dev's (.eddy/context.properties), else"
                    + " 127.0.0.1:9092; now ${DEFAULT-VALUE}.")
    String bootstrapServers;

    @Option(names = "--command-config", paramLabel = "<file>",
            description = "A properties file of Kafka client settings for a secured cluster (security.protocol,"
                    + " ssl.*, sasl.*), as Kafka's own tools take.")
    Path commandConfig;

    @Option(names = "--names-prefix", defaultValue = Names.DEFAULT_PREFIX, paramLabel = "<prefix>",
            description = "The engines' names.prefix: their topics are <prefix>.*. Default: ${DEFAULT-VALUE}.")
    String namesPrefix;

    /** Settings for clients of that cluster. */
    EngineConfig config() {
        Map<String, Object> settings = new HashMap<>();
        settings.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        settings.put(EngineConfig.NAMES_PREFIX, namesPrefix);
        settings.putAll(clientSettings(commandConfig));
        return new EngineConfig(settings);
    }

    /** The client settings of a properties file as {@code kafka.*} engine settings; none without a file. */
    static Map<String, Object> clientSettings(Path file) {
        return properties(file, EngineConfig.KAFKA_PREFIX);
    }

    /** The settings of a properties file, each name prefixed; none without a file. */
    static Map<String, Object> properties(Path file, String prefix) {
        Map<String, Object> settings = new HashMap<>();
        if (file == null) {
            return settings;
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the settings in " + file, e);
        }
        props.forEach((key, value) -> settings.put(prefix + key, value));
        return settings;
    }
}
