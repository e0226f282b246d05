package dev.eddy.adapters;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What adapters do with Kafka besides publishing: create their own topics (idempotency keys, positions, replies,
 * timer state), and read one of them whole at start.
 */
public final class AdapterKafka {

    private AdapterKafka() {
    }

    /** The settings every client of an adapter shares: the brokers, and the producer's security settings. */
    public static Map<String, Object> clientProps(EventPublisher.Options options) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        options.producer().forEach((name, value) -> {
            if (name.startsWith("security.") || name.startsWith("sasl.") || name.startsWith("ssl.")) {
                props.put(name, value); // the same credentials as the producer's
            }
        });
        return props;
    }

    /**
     * The settings of an adapter's producer: acks=all, idempotent, byte arrays; {@code own} (linger, a transactional
     * id) over those, and the configuration's {@code kafka.producer} settings over all.
     */
    public static Map<String, Object> producerProps(EventPublisher.Options options, Map<String, Object> own) {
        Map<String, Object> props = clientProps(options);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "eddy-trigger-" + options.adapter());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.putAll(own);
        props.putAll(options.producer());
        return props;
    }

    /**
     * Creates an adapter's own one-partition topic unless it exists.
     *
     * @param configs its topic settings (cleanup policy, retention)
     * @throws AdapterException when it cannot be created, or no broker answers
     */
    public static void createTopic(EventPublisher.Options options, String topic, Map<String, String> configs) {
        try (Admin admin = Admin.create(clientProps(options))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1).configs(configs))).all()
                    .get(30, TimeUnit.SECONDS);
            awaitLeader(admin, topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new AdapterException("Cannot create the topic '" + topic + "': " + e.getCause().getMessage(),
                        e.getCause());
            }
        } catch (TimeoutException e) {
            throw new AdapterException("No Kafka broker at " + options.bootstrapServers() + " answered within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdapterException("Interrupted while creating '" + topic + "'", e);
        }
    }

    /**
     * Waits until the new topic's partition has a leader: an idempotent producer that writes in the moment the
     * broker is still making it can lose records (KAFKA-15591).
     */
    private static void awaitLeader(Admin admin, String topic) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS)
                        .get(topic).partitions();
                if (partitions.stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException notYet) {
                // the broker does not know the topic yet
            }
            Thread.sleep(20); // polling the broker's state: nothing to wait on but time
        }
        throw new TimeoutException("topic '" + topic + "' had no leader within 30 s");
    }

    /** A byte-array consumer of the adapter's settings that commits nothing; read_committed when asked. */
    public static KafkaConsumer<byte[], byte[]> reader(EventPublisher.Options options, boolean committedOnly) {
        return reader(options, committedOnly, Map.of());
    }

    /** {@link #reader(EventPublisher.Options, boolean)} with more consumer settings. */
    public static KafkaConsumer<byte[], byte[]> reader(EventPublisher.Options options, boolean committedOnly,
            Map<String, Object> more) {
        Map<String, Object> props = clientProps(options);
        props.putAll(more);
        if (committedOnly) {
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(props);
    }

    /**
     * Reads partition 0 of a topic from its beginning to its (committed) end.
     *
     * @param openTransactions how long to wait first for transactions written before the call to be decided (a
     *                         former writer's), so that none is read past; zero not to wait
     */
    public static void readWhole(EventPublisher.Options options, String topic, Duration openTransactions,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        TopicPartition partition = new TopicPartition(topic, 0);
        long written = 0;
        if (!openTransactions.isZero()) {
            try (KafkaConsumer<byte[], byte[]> uncommitted = reader(options, false)) {
                written = uncommitted.endOffsets(List.of(partition)).get(partition);
            }
        }
        try (KafkaConsumer<byte[], byte[]> reader = reader(options, true)) {
            reader.assign(List.of(partition));
            long end = reader.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + openTransactions.toNanos();
            while (end < written && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(200)); // an open transaction holds the end back: wait for it
                end = reader.endOffsets(List.of(partition)).get(partition);
            }
            reader.seekToBeginning(List.of(partition));
            while (reader.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    each.accept(record);
                }
            }
        }
    }
}
