package dev.eddy.engine.internal.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.DeadLetterHeaders;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FailureReason;
import dev.eddy.engine.FunctionBuilder;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.Ordering;
import dev.eddy.engine.RetryPolicy;
import dev.eddy.sdk.BatchResult;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The poll loop against Kafka's mock clients, so that acknowledgements come exactly when the test says. */
class FunctionWorkerTest {

    private static final TopicPartition INPUT = new TopicPartition("in", 0);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final RetryPolicy QUICK_RETRIES = RetryPolicy.attempts(3)
            .withBackoff(Duration.ofMillis(5), Duration.ofMillis(20));

    private final WorkerHarness.RecordingConsumer consumer = new WorkerHarness.RecordingConsumer();
    private MockProducer<byte[], byte[]> producer;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
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
        start(false, f -> f, (event, ctx) -> ctx.emit(event), 10);
        await().atMost(WAIT).until(() -> producer.history().size() == 10);

        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> committed() == null);

        while (producer.completeNext()) {
            // acknowledge every emit
        }
        awaitCommitted(10);
        assertEquals(FunctionState.RUNNING, worker.state());
    }

    @Test
    void shouldDeadLetterARecordWhoseEmitKafkaRefusedForGoodAndGoOn() {
        start(false, f -> f, (event, ctx) -> ctx.emit(event), 10);
        await().atMost(WAIT).until(() -> producer.history().size() == 10);
        for (int i = 0; i < 5; i++) {
            producer.completeNext();
        }
        byte[] refused = producer.history().get(5).value();
        producer.errorNext(new RecordTooLargeException("too large"));
        completeAll(5); // the other four emits and the dead letter

        awaitCommitted(10);
        ProducerRecord<byte[], byte[]> letter = deadLetters().get(0);
        assertEquals(new String(refused, StandardCharsets.UTF_8), new String(letter.value(), StandardCharsets.UTF_8),
                "the input record whose emit was refused");
        assertEquals(FailureReason.OUTPUT_REFUSED.name(), header(letter, DeadLetterHeaders.REASON));
        assertEquals(RecordTooLargeException.class.getName(), header(letter, DeadLetterHeaders.EXCEPTION_CLASS));
        assertEquals(FunctionState.RUNNING, worker.state());
    }

    @Test
    void shouldStopAndCommitNothingPastAnEmitKafkaCouldNotTake() {
        start(false, f -> f, (event, ctx) -> ctx.emit(event), 10);
        await().atMost(WAIT).until(() -> producer.history().size() == 10);
        for (int i = 0; i < 5; i++) {
            producer.completeNext();
        }
        producer.errorNext(new TimeoutException("Expiring 1 record(s): 120000 ms has passed since batch creation"));
        while (producer.completeNext()) {
            // the rest succeed
        }
        await().atMost(WAIT).until(() -> worker.state() == FunctionState.FAILED);
        assertTrue(worker.failure().getMessage().contains("120000 ms"), worker.failure().getMessage());
        OffsetAndMetadata committed = committed();
        assertTrue(committed == null || committed.offset() <= 5, "committed past the record: " + committed);
    }

    @Test
    void shouldRetryAFailingRecordThenDeadLetterItWithWhereItCameFromAndWhy() {
        Map<String, Integer> calls = new ConcurrentHashMap<>();
        start(true, f -> f.retry(QUICK_RETRIES).version("7"), (event, ctx) -> {
            calls.merge(event.valueAsString(), 1, Integer::sum);
            if (event.valueAsString().equals("value-3")) {
                throw new IllegalStateException("boom on " + event.valueAsString());
            }
        }, 10);

        awaitCommitted(10);
        assertEquals(3, calls.get("value-3"), "three attempts in all");
        assertEquals(1, calls.get("value-4"));
        ProducerRecord<byte[], byte[]> letter = deadLetters().get(0);
        assertEquals("key-3", new String(letter.key(), StandardCharsets.UTF_8));
        assertEquals("in", header(letter, DeadLetterHeaders.SOURCE_TOPIC));
        assertEquals("0", header(letter, DeadLetterHeaders.SOURCE_PARTITION));
        assertEquals("3", header(letter, DeadLetterHeaders.SOURCE_OFFSET));
        assertEquals("f", header(letter, DeadLetterHeaders.FUNCTION));
        assertEquals("7", header(letter, DeadLetterHeaders.FUNCTION_VERSION));
        assertEquals("3", header(letter, DeadLetterHeaders.ATTEMPTS));
        assertEquals(FailureReason.HANDLER_FAILED.name(), header(letter, DeadLetterHeaders.REASON));
        assertEquals(IllegalStateException.class.getName(), header(letter, DeadLetterHeaders.EXCEPTION_CLASS));
        assertEquals("boom on value-3", header(letter, DeadLetterHeaders.EXCEPTION_MESSAGE));
        assertTrue(header(letter, DeadLetterHeaders.FIRST_FAILURE_TIME)
                .compareTo(header(letter, DeadLetterHeaders.LAST_FAILURE_TIME)) <= 0);
        assertEquals(2.0, registry.get("eddy.retries").counter().count());
        assertEquals(1.0, registry.get("eddy.dead.lettered.records").tag("reason", "HANDLER_FAILED").counter().count());
        assertEquals(3.0, registry.get("eddy.invocations").tag("outcome", "failure").counter().count());
        assertEquals(9.0, registry.get("eddy.invocations").tag("outcome", "success").counter().count());
    }

    @Test
    void shouldHoldBackOnlyTheFailingKey() {
        List<String> handled = new CopyOnWriteArrayList<>();
        // key-0 fails twice and then succeeds; the backoff is long enough for every other key to go by meanwhile.
        Map<String, Integer> failuresLeft = new ConcurrentHashMap<>(Map.of("value-0", 2));
        RetryPolicy slowRetries = RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(300), Duration.ofMillis(300));
        start(true, f -> f.retry(slowRetries).ordering(Ordering.KEY).maxConcurrency(4), (event, ctx) -> {
            if (failuresLeft.computeIfPresent(event.valueAsString(), (k, left) -> left == 0 ? null : left - 1) != null) {
                throw new IllegalStateException("not yet");
            }
            handled.add(event.valueAsString());
        }, 20, i -> "key-" + (i % 5));

        await().atMost(WAIT).until(() -> handled.size() == 16); // every record of the other four keys
        assertTrue(handled.stream().noneMatch(v -> number(v) % 5 == 0), "key-0 went on before its record: " + handled);
        awaitCommitted(20);
        List<String> key0 = handled.stream().filter(v -> number(v) % 5 == 0).toList();
        assertEquals(List.of("value-0", "value-5", "value-10", "value-15"), key0, "key-0 kept its order");
        assertTrue(deadLetters().isEmpty());
    }

    @Test
    void shouldHoldBackTheWholePartitionInPartitionOrder() {
        List<String> handled = new CopyOnWriteArrayList<>();
        Map<String, Integer> failuresLeft = new ConcurrentHashMap<>(Map.of("value-2", 1));
        start(true, f -> f.retry(QUICK_RETRIES).ordering(Ordering.PARTITION), (event, ctx) -> {
            if (failuresLeft.computeIfPresent(event.valueAsString(), (k, left) -> left == 0 ? null : left - 1) != null) {
                throw new IllegalStateException("not yet");
            }
            handled.add(event.valueAsString());
        }, 10);

        awaitCommitted(10);
        for (int i = 0; i < 10; i++) {
            assertEquals("value-" + i, handled.get(i), "partition order: " + handled);
        }
    }

    @Test
    void shouldTimeOutACallThatRunsTooLongAndDeadLetterIt() {
        start(true, f -> f.retry(RetryPolicy.NONE).timeout(Duration.ofMillis(100)), (event, ctx) -> {
            if (event.valueAsString().equals("value-1")) {
                LockSupport.parkNanos(Duration.ofSeconds(30).toNanos()); // a call that hangs, until interrupted
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("interrupted");
                }
            }
        }, 5);

        awaitCommitted(5);
        ProducerRecord<byte[], byte[]> letter = deadLetters().get(0);
        assertEquals("value-1", new String(letter.value(), StandardCharsets.UTF_8));
        assertEquals(FailureReason.TIMED_OUT.name(), header(letter, DeadLetterHeaders.REASON));
    }

    @Test
    void shouldRetryOnlyTheFailedEventsOfABatch() {
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        Map<String, Integer> calls = new ConcurrentHashMap<>();
        start(true, f -> f.retry(QUICK_RETRIES).ordering(Ordering.PARTITION).batchHandler((events, ctx) -> {
            batchSizes.add(events.size());
            BatchResult result = BatchResult.success();
            for (int i = 0; i < events.size(); i++) {
                String value = events.get(i).valueAsString();
                calls.merge(value, 1, Integer::sum);
                if (value.equals("value-4") && calls.get(value) == 1) {
                    result = result.andFailed(i, new IllegalStateException("once"));
                } else {
                    ctx.emit(events.get(i));
                }
            }
            return result;
        }, 5, Duration.ZERO), null, 10);

        awaitCommitted(10);
        assertEquals(2, calls.get("value-4"), "the failed event was tried again");
        assertEquals(1, calls.get("value-3"), "the others of its batch were not");
        assertTrue(batchSizes.stream().allMatch(size -> size <= 5), "batches of at most five: " + batchSizes);
        assertTrue(batchSizes.contains(1), "the retry came alone: " + batchSizes);
        assertEquals(10, producer.history().stream().filter(r -> r.topic().equals("out")).count());
    }

    @Test
    void shouldWaitForABatchToFillUpToTheMaxWait() {
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        start(true, f -> f.batchHandler((events, ctx) -> {
            batchSizes.add(events.size());
            return BatchResult.success();
        }, 100, Duration.ofMillis(200)), null, 10);

        awaitCommitted(10);
        assertEquals(10, batchSizes.stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void shouldPauseAPartitionAtItsBoundAndResumeItWhenDrained() {
        start(false, f -> f, Map.of(EngineConfig.MAX_BUFFERED_RECORDS_PER_PARTITION, 4),
                (event, ctx) -> ctx.emit(event), 10, i -> "key-" + i);
        await().atMost(WAIT).until(() -> consumer.paused().contains(INPUT));

        completeAll(10);
        await().atMost(WAIT).until(() -> consumer.paused().isEmpty());
        awaitCommitted(10);
    }

    /** @param handler the handler, or null when {@code function} sets a batch handler */
    private void start(boolean autoComplete, UnaryOperator<FunctionBuilder> function, Handler handler,
            int records) {
        start(autoComplete, function, handler, records, i -> "key-" + i);
    }

    private void start(boolean autoComplete, UnaryOperator<FunctionBuilder> function, Handler handler,
            int records, java.util.function.IntFunction<String> keys) {
        start(autoComplete, function, Map.of(), handler, records, keys);
    }

    private void start(boolean autoComplete, UnaryOperator<FunctionBuilder> function,
            Map<String, Object> settings, Handler handler, int records, java.util.function.IntFunction<String> keys) {
        producer = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
        EngineConfig config = EngineConfig.forBootstrapServers("unused:9092")
                .with(Map.of(EngineConfig.COMMIT_INTERVAL_MS, 10L, EngineConfig.SHUTDOWN_TIMEOUT_MS, 2000L))
                .with(settings);
        FunctionBuilder builder = function.apply(FunctionDefinition.builder("f").input(INPUT.topic())
                .output("out"));
        FunctionDefinition definition = (handler == null ? builder : builder.handler(handler)).build();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(INPUT));
            consumer.updateBeginningOffsets(Map.of(INPUT, 0L));
            for (int i = 0; i < records; i++) {
                consumer.addRecord(new ConsumerRecord<>(INPUT.topic(), INPUT.partition(), i,
                        keys.apply(i).getBytes(StandardCharsets.UTF_8), ("value-" + i).getBytes(StandardCharsets.UTF_8)));
            }
        });
        worker = new FunctionWorker(definition, config, consumer, producer, new FunctionMetrics(registry, "f"));
        Thread.ofPlatform().name("test-poll-loop").start(worker);
    }

    /** Acknowledges sends as they come until {@code count} have been acknowledged. */
    private void completeAll(int count) {
        int[] done = {0};
        await().atMost(WAIT).until(() -> {
            while (producer.completeNext()) {
                done[0]++;
            }
            return done[0] >= count;
        });
    }

    private void awaitCommitted(long offset) {
        await().atMost(WAIT).until(() -> committed() != null && committed().offset() == offset);
    }

    private List<ProducerRecord<byte[], byte[]>> deadLetters() {
        return producer.history().stream().filter(r -> r.topic().equals("eddy.dlq.f")).toList();
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static int number(String value) {
        return Integer.parseInt(value.substring(value.indexOf('-') + 1));
    }

    private OffsetAndMetadata committed() {
        return consumer.lastCommitted.get(INPUT);
    }
}
