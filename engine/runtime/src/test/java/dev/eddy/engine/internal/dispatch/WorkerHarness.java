package dev.eddy.engine.internal.dispatch;

import static org.awaitility.Awaitility.await;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionBuilder;
import dev.eddy.engine.FunctionDefinition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A {@link FunctionWorker} on Kafka's mock clients and on {@link ManualTime}: the test decides when records come,
 * when Kafka acknowledges, and when time passes (commit intervals, backoffs, the watchdog's rounds). The poll loop
 * runs on a thread of its own, the handlers on the worker's virtual threads.
 */
final class WorkerHarness implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String INPUT = "in";
    static final long COMMIT_INTERVAL_MS = 10;
    static final long POLL_TIMEOUT_MS = 10;

    final ManualTime time = new ManualTime();
    final RecordingConsumer consumer = new RecordingConsumer();
    final MockProducer<byte[], byte[]> producer;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FunctionWorker worker;

    /** @param autoComplete whether Kafka acknowledges every send at once */
    WorkerHarness(boolean autoComplete) {
        producer = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static TopicPartition partition(int number) {
        return new TopicPartition(INPUT, number);
    }

    /** The function: reads {@link #INPUT}, writes "out". */
    static FunctionBuilder function() {
        return FunctionDefinition.builder("f").input(INPUT).output("out");
    }

    /** Starts the worker, and assigns it these partitions at its first poll. */
    void start(FunctionDefinition definition, Map<String, Object> settings, List<TopicPartition> assignment) {
        EngineConfig config = EngineConfig.forBootstrapServers("unused:9092")
                .with(Map.of(EngineConfig.COMMIT_INTERVAL_MS, COMMIT_INTERVAL_MS,
                        EngineConfig.POLL_TIMEOUT_MS, POLL_TIMEOUT_MS, EngineConfig.SHUTDOWN_TIMEOUT_MS, 2000L))
                .with(settings);
        Map<TopicPartition, Long> beginnings = new HashMap<>();
        assignment.forEach(partition -> beginnings.put(partition, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(assignment);
            consumer.updateBeginningOffsets(beginnings);
            consumer.foundCommitted.forEach((partition, offset) -> consumer.seek(partition, offset.offset()));
        });
        FunctionEnvironment environment = FunctionEnvironment.of(definition, config).withTicker(time);
        worker = new FunctionWorker(environment, config, consumer, producer, new FunctionMetrics(registry, "f"), true,
                null, time);
        Thread.ofPlatform().name("test-poll-loop").start(worker);
        await().atMost(WAIT).until(() -> consumer.assignment().containsAll(assignment));
    }

    /** Makes records {@code from..from+count-1} of the partition available, valued {@code value-<offset>}. */
    void records(TopicPartition partition, int from, int count, IntFunction<String> keys) {
        for (int offset = from; offset < from + count; offset++) {
            consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset,
                    keys.apply(offset).getBytes(StandardCharsets.UTF_8),
                    ("value-" + offset).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Runs this on the poll loop's thread, at its next poll (as Kafka's callbacks run). */
    void onPollThread(Runnable task) {
        consumer.schedulePollTask(task);
    }

    /** The offsets committed in transactions, one map per committed transaction that carried any. */
    List<Map<TopicPartition, OffsetAndMetadata>> transactionalCommits() {
        List<Map<TopicPartition, OffsetAndMetadata>> commits = new ArrayList<>();
        producer.consumerGroupOffsetsHistory().forEach(byGroup -> commits.addAll(byGroup.values()));
        return commits;
    }

    /** The records sent to a topic (in a transaction: only committed ones). */
    List<ProducerRecord<byte[], byte[]>> sent(String topic) {
        return producer.history().stream().filter(r -> r.topic().equals(topic)).toList();
    }

    double counter(String name) {
        var counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.close();
            worker.stopped().join();
        }
    }

    /** A mock consumer that keeps what was committed readable after the worker closed it, and its listener. */
    static final class RecordingConsumer extends MockConsumer<byte[], byte[]> {
        final Map<TopicPartition, OffsetAndMetadata> lastCommitted = new ConcurrentHashMap<>();
        /** What the group had committed before the worker started, as a new owner finds it. */
        final Map<TopicPartition, OffsetAndMetadata> foundCommitted = new ConcurrentHashMap<>();
        volatile ConsumerRebalanceListener listener;

        RecordingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
            this.listener = listener;
            super.subscribe(topics, listener);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions,
                Duration timeout) {
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>(super.committed(partitions, timeout));
            foundCommitted.forEach((partition, offset) -> {
                if (partitions.contains(partition)) {
                    committed.putIfAbsent(partition, offset);
                }
            });
            return committed;
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                OffsetCommitCallback callback) {
            super.commitAsync(offsets, callback);
            lastCommitted.putAll(offsets);
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            super.commitSync(offsets, timeout);
            lastCommitted.putAll(offsets);
        }
    }
}
