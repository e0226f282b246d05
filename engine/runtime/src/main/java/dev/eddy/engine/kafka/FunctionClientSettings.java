package dev.eddy.engine.kafka;

import dev.eddy.engine.InvalidFunctionException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The Kafka client settings a function may set for its own consumer and producer ({@code kafka.consumer} and
 * {@code kafka.producer} in its manifest): throughput tuning only. Everything else belongs to the engine's operator:
 * where the cluster is and how to log in to it (a function setting {@code sasl.jaas.config} or
 * {@code ssl.truststore.location} could take another identity or read the engine's files), and every setting that
 * names a class (interceptors, serializers, partitioners, login callbacks, metrics reporters), which would run code
 * of the function's choosing inside the engine's clients, outside its class loader and its limits. The settings
 * are a list of those allowed, not of those refused, so that a setting added to a new Kafka client is refused until
 * it is looked at.
 */
public final class FunctionClientSettings {

    /** Consumer settings a function may set. */
    public static final Set<String> CONSUMER = Set.of(ConsumerConfig.FETCH_MIN_BYTES_CONFIG,
            ConsumerConfig.FETCH_MAX_BYTES_CONFIG, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            ConsumerConfig.RECEIVE_BUFFER_CONFIG, ConsumerConfig.CLIENT_RACK_CONFIG);

    /** Producer settings a function may set. */
    public static final Set<String> PRODUCER = Set.of(ProducerConfig.LINGER_MS_CONFIG,
            ProducerConfig.BATCH_SIZE_CONFIG, ProducerConfig.COMPRESSION_TYPE_CONFIG,
            ProducerConfig.COMPRESSION_GZIP_LEVEL_CONFIG, ProducerConfig.COMPRESSION_LZ4_LEVEL_CONFIG,
            ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, ProducerConfig.BUFFER_MEMORY_CONFIG,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, ProducerConfig.SEND_BUFFER_CONFIG);

    private FunctionClientSettings() {
    }

    /** A function's consumer settings, parsed; see {@link #check}. */
    public static Map<String, Object> consumer(String field, Map<String, ?> settings) {
        return check(field, settings, CONSUMER, ConsumerConfig.configDef());
    }

    /** A function's producer settings, parsed; see {@link #check}. */
    public static Map<String, Object> producer(String field, Map<String, ?> settings) {
        return check(field, settings, PRODUCER, ProducerConfig.configDef());
    }

    /**
     * @param field the manifest field, for the error ({@code kafka.consumer})
     * @throws InvalidFunctionException naming a setting that is not allowed (and those that are), or a value the
     *                                  Kafka client would refuse
     */
    private static Map<String, Object> check(String field, Map<String, ?> settings, Set<String> allowed,
            ConfigDef definition) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        settings.forEach((name, value) -> {
            if (!allowed.contains(name)) {
                throw new InvalidFunctionException(field + "." + name, value, "one of " + new TreeSet<>(allowed)
                        + ". A function may tune its client's throughput only; the connection, the credentials and"
                        + " any setting naming a class are the engine's (its kafka.* settings)");
            }
            ConfigDef.ConfigKey key = definition.configKeys().get(name);
            try {
                Object typed = ConfigDef.parseType(name, value, key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(name, typed);
                }
                parsed.put(name, typed);
            } catch (ConfigException e) {
                throw new InvalidFunctionException(field + "." + name, value, e.getMessage());
            }
        });
        return parsed;
    }
}
