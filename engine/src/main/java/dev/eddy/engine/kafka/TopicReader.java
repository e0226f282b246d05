package dev.eddy.engine.kafka;

import dev.eddy.engine.EddyException;
import dev.eddy.engine.EngineConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Reads a whole topic, from its beginning to the end it has when the read starts, without a consumer group. */
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
}
