package dev.eddy.engine.internal.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The poll loop against Kafka's mock clients, so that acknowledgements come exactly when the test says. */
class FunctionWorkerTest {

    private static final TopicPartition INPUT = new TopicPartition("in", 0);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final RecordingConsumer consumer = new RecordingConsumer();
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private FunctionWorker worker;

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
            worker.stopped().join();
        }
    }

    @Test
    void shouldCommitOnlyOnceKafkaAcknowledgedTheEmits() {
        start(Map.of(), (event, ctx) -> ctx.emit(event), 10);
        await().atMost(WAIT).until(() -> producer.history().size() == 10);

        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> committed() == null);

        while (producer.completeNext()) {
            // acknowledge every emit
        }
        await().atMost(WAIT).until(() -> committed() != null && committed().offset() == 10);
        assertEquals(FunctionState.RUNNING, worker.state());
    }

    @Test
    void shouldStopAndCommitNothingPastAnEmitKafkaRefused() {
        start(Map.of(), (event, ctx) -> ctx.emit(event), 10);
        await().atMost(WAIT).until(() -> producer.history().size() == 10);
        for (int i = 0; i < 5; i++) {
            producer.completeNext();
        }
        producer.errorNext(new RecordTooLargeException("too large"));
        while (producer.completeNext()) {
            // the rest succeed
        }
        await().atMost(WAIT).until(() -> worker.state() == FunctionState.FAILED);
        assertTrue(worker.failure().getMessage().contains("too large"), worker.failure().getMessage());
        OffsetAndMetadata committed = committed();
        assertTrue(committed == null || committed.offset() <= 5, "committed past the refused record: " + committed);
    }

    @Test
    void shouldPauseAPartitionAtItsBoundAndResumeItWhenDrained() {
        start(Map.of(EngineConfig.MAX_BUFFERED_RECORDS_PER_PARTITION, 4), (event, ctx) -> ctx.emit(event), 10);
        await().atMost(WAIT).until(() -> consumer.paused().contains(INPUT));

        while (producer.completeNext()) {
            // acknowledge every emit
        }
        await().atMost(WAIT).until(() -> consumer.paused().isEmpty());
        await().atMost(WAIT).until(() -> committed() != null && committed().offset() == 10);
    }

    @Test
    void shouldCountAHandlerFailureAndGoOn() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        start(Map.of(), registry, (event, ctx) -> {
            if (event.valueAsString().equals("value-3")) {
                throw new IllegalStateException("boom");
            }
        }, 10);
        await().atMost(WAIT).until(() -> committed() != null && committed().offset() == 10);
        assertEquals(1.0, registry.get("eddy.invocations").tag("outcome", "failure").counter().count());
        assertEquals(9.0, registry.get("eddy.invocations").tag("outcome", "success").counter().count());
    }

    private void start(Map<String, Object> settings, Handler handler, int records) {
        start(settings, new SimpleMeterRegistry(), handler, records);
    }

    private void start(Map<String, Object> settings, SimpleMeterRegistry registry, Handler handler, int records) {
        EngineConfig config = EngineConfig.forBootstrapServers("unused:9092")
                .with(Map.of(EngineConfig.COMMIT_INTERVAL_MS, 10L)).with(settings);
        FunctionDefinition function = FunctionDefinition.builder("f").input(INPUT.topic()).output("out")
                .handler(handler).build();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(INPUT));
            consumer.updateBeginningOffsets(Map.of(INPUT, 0L));
            for (int i = 0; i < records; i++) {
                consumer.addRecord(new ConsumerRecord<>(INPUT.topic(), INPUT.partition(), i,
                        ("key-" + i).getBytes(StandardCharsets.UTF_8), ("value-" + i).getBytes(StandardCharsets.UTF_8)));
            }
        });
        worker = new FunctionWorker(function, config, consumer, producer, new FunctionMetrics(registry, "f"));
        Thread.ofPlatform().name("test-poll-loop").start(worker);
    }

    private OffsetAndMetadata committed() {
        return consumer.lastCommitted.get(INPUT);
    }

    /** Keeps what was committed readable after the worker closed the consumer. */
    private static final class RecordingConsumer extends MockConsumer<byte[], byte[]> {
        final Map<TopicPartition, OffsetAndMetadata> lastCommitted = new ConcurrentHashMap<>();

        RecordingConsumer() {
            super("earliest");
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
