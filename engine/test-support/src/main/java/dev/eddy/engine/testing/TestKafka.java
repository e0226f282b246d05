package dev.eddy.engine.testing;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.kafka.Topics;
import dev.eddy.engine.local.EmbeddedKafka;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A test's view of the shared embedded broker: fresh topics, producing with acknowledgement, reading a topic to
 * its end, and reading a group's committed offsets, so that tests can count what was produced, delivered and
 * committed.
 */
public final class TestKafka implements AutoCloseable {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final EmbeddedKafka broker;
    private final Admin admin;
    private final KafkaReader reader;

    TestKafka(EmbeddedKafka broker) {
        this.broker = broker;
        this.admin = broker.admin();
        this.reader = new KafkaReader(broker.bootstrapServers());
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public Admin admin() {
        return admin;
    }

    /** Engine settings for this broker, with short intervals so that tests see commits quickly. */
    public EngineConfig engineConfig(Map<String, ?> overrides) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrapServers());
        settings.put(EngineConfig.COMMIT_INTERVAL_MS, 100L);
        settings.putAll(overrides);
        return new EngineConfig(settings);
    }

    /** A name no other test uses, for topics and functions. */
    public String uniqueName(String prefix) {
        return prefix + "-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** Creates a fresh topic, ready for writes, and returns its name. */
    public String newTopic(String prefix, int partitions) {
        String name = uniqueName(prefix);
        Topics.create(admin, name, partitions);
        return name;
    }

    /** Creates a topic of the given name, ready for writes. */
    public String createTopic(String name, int partitions) {
        Topics.create(admin, name, partitions);
        return name;
    }

    /**
     * Sends the records with the settings a careful producer uses (acks=all, idempotent) and waits until Kafka
     * acknowledged every one.
     *
     * @return how many were acknowledged, which is all of them, or this throws
     */
    public int produce(List<ProducerRecord<byte[], byte[]>> records) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                sends.add(producer.send(record));
            }
            int acknowledged = 0;
            for (Future<RecordMetadata> send : sends) {
                send.get(60, TimeUnit.SECONDS);
                acknowledged++;
            }
            return acknowledged;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("A test record was not acknowledged", e);
        }
    }

    /** Reads every record of the topic up to its current end. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return reader.readAll(topic);
    }

    /** The values of every record of the topic up to its current end, as UTF-8 text. */
    public List<String> readValues(String topic) {
        return reader.readValues(topic);
    }

    /** The sum of the end offsets of the topic's partitions: how many records it holds, for a plain topic. */
    public long endOffsetSum(String topic) {
        return reader.endOffsetSum(topic);
    }

    /** The offsets the group has committed, by partition. */
    public Map<TopicPartition, Long> committedOffsets(String groupId) {
        return reader.committedOffsets(groupId);
    }

    /** The sum of the group's committed offsets over the topic's partitions. */
    public long committedSum(String groupId, String topic) {
        return reader.committedSum(groupId, topic);
    }

    @Override
    public void close() {
        reader.close();
        admin.close();
        broker.close();
    }
}
