package dev.eddy.engine.kafka;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads a topic without a consumer group: a whole topic to the end it has when the read starts ({@link #readAll}: the
 * function store, dead-letter tools), or the partitions of a key from a time, to the end or on as records come
 * ({@link #read}: Eddy's own logs and usage topics).
 */
public final class TopicReader {

    private TopicReader() {
    }

    /**
     * @param missing the message when the topic does not exist
     * @throws EddyException when the topic is missing or cannot be read to its end within the timeout
     */
    public static void readAll(EngineConfig config, String topic, Duration timeout, String missing,
            Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Map<String, Object> props = ClientConfigs.reader(config, "eddy-reader-" + topic);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new EddyException(missing);
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new EddyException("Could not read '" + topic + "' to its end within " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(sink);
            }
        }
    }

    /**
     * @param key     read only the partition this key's records go to (Kafka's default partitioning); null for all
     * @param since   the first record's earliest time; null for the beginning
     * @param follow  go on past the end until {@code goOn} says stop
     * @throws EddyException when the topic does not exist (nothing was ever written to it)
     */
    public static void read(EngineConfig config, String topic, byte[] key, Instant since, boolean follow,
            BooleanSupplier goOn, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> props = ClientConfigs.reader(config, "eddy-read-" + topic);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new EddyException("There is no topic '" + topic + "' on " + config.bootstrapServers()
                        + " yet: nothing has been written to it");
            }
            List<TopicPartition> partitions = infos.stream().map(info -> new TopicPartition(topic, info.partition()))
                    .filter(partition -> key == null
                            || partition.partition() == Utils.toPositive(Utils.murmur2(key)) % infos.size())
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            if (since != null) {
                Map<TopicPartition, Long> times = new HashMap<>();
                partitions.forEach(partition -> times.put(partition, since.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                for (TopicPartition partition : partitions) {
                    OffsetAndTimestamp at = found.get(partition);
                    consumer.seek(partition, at != null ? at.offset() : ends.get(partition));
                }
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (goOn.getAsBoolean()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    each.accept(record);
                }
                if (!follow && partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p))) {
                    return;
                }
            }
        }
    }
}
