package dev.eddy.engine.kafka;

import dev.eddy.engine.EngineConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka client settings Eddy's functions run with, in one place, so that benchmarks measure their raw-Kafka
 * baselines with exactly the same settings.
 */
public final class ClientConfigs {

    private ClientConfigs() {
    }

    /**
     * Consumer settings: manual commits (the dispatcher commits only completed records), reading from the earliest
     * offset when the group has none (so a new function misses nothing produced before it), Kafka 4's consumer
     * group protocol (KIP-848), and up to 1000 records per poll, as Kafka Streams takes, to spread the cost of a
     * poll over more records, and a fetch held at most 50 ms at the broker rather than 500: a partition the
     * dispatcher resumed after pausing it (backpressure) waits for the fetch already held at the broker before its
     * own can be sent, which at 500 ms cut a pass-through function's throughput by five. {@code kafka.*} then
     * {@code consumer.*} engine settings override these.
     */
    public static Map<String, Object> consumer(EngineConfig config, String groupId, String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.putAll(config.clientOverrides());
        props.putAll(config.consumerOverrides());
        return props;
    }

    /**
     * Consumer settings for reading topics by assignment, in no consumer group (a topic read whole, a tail for a
     * terminal): the consumer settings above without a group id or group protocol.
     */
    public static Map<String, Object> reader(EngineConfig config, String clientId) {
        Map<String, Object> props = consumer(config, "unused", clientId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        return props;
    }

    /**
     * Producer settings for an exactly-once function: {@link #producer} with a transactional id, and a transaction
     * timeout long enough for a record's retries (Kafka aborts a transaction open longer).
     */
    public static Map<String, Object> transactionalProducer(EngineConfig config, String clientId,
            String transactionalId) {
        Map<String, Object> props = producer(config, clientId);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 300_000);
        return props;
    }

    /**
     * Producer settings: acknowledged by all in-sync replicas, idempotent (no duplicates from the producer's own
     * retries), batched for throughput. {@code producer.*} engine settings override these.
     */
    public static Map<String, Object> producer(EngineConfig config, String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.putAll(config.clientOverrides());
        props.putAll(config.producerOverrides());
        return props;
    }

    /** Admin client settings: the {@code kafka.*} then the {@code admin.*} engine settings. */
    public static Map<String, Object> admin(EngineConfig config, String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        props.putAll(config.clientOverrides());
        props.putAll(config.adminOverrides());
        return props;
    }
}
