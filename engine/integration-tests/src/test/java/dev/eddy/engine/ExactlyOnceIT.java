package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.sdk.BatchResult;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** EXACTLY_ONCE functions on a real broker, their outputs read as a read_committed consumer reads them. */
@ExtendWith(EmbeddedKafkaExtension.class)
class ExactlyOnceIT {

    private static final Duration QUIET = Duration.ofSeconds(60);

    @Test
    void shouldCommitEveryRecordsOutputsOnceWithItsOffset(TestKafka kafka) {
        String input = kafka.newTopic("in", 6);
        String output = kafka.newTopic("out", 6);
        Set<String> ids = produce(kafka, input, 20_000);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("eos"))
                .input(input).output(output).delivery(Delivery.EXACTLY_ONCE)
                .handler((event, ctx) -> ctx.emit(event))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == ids.size());
        }
        Tally tally = Tally.of(ids, kafka.readValues(output));
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
    }

    @Test
    void shouldLeaveNothingOfAFailedAttemptInTheOutputs(TestKafka kafka) {
        String input = kafka.newTopic("in", 2);
        String output = kafka.newTopic("out", 2);
        Set<String> ids = produce(kafka, input, 1000);
        Map<String, Boolean> failedOnce = new ConcurrentHashMap<>();
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("eos-retry"))
                .input(input).output(output).delivery(Delivery.EXACTLY_ONCE)
                .retry(RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).withMaxAge(Duration.ofSeconds(10)))
                .handler((event, ctx) -> {
                    ctx.emit(event); // emitted before the failure: it must not reach the output
                    if (number(event.valueAsString()) % 10 == 0 && failedOnce.putIfAbsent(event.valueAsString(), true) == null) {
                        throw new IllegalStateException("first attempt fails");
                    }
                })
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == ids.size());
            assertEquals(100, running.stats().retries());
        }
        Tally tally = Tally.of(ids, kafka.readValues(output));
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
    }

    @Test
    void shouldCommitABatchsOutputsOnceWhenSomeOfItsEventsFailAndAreRetried(TestKafka kafka) {
        String input = kafka.newTopic("in", 3);
        String output = kafka.newTopic("out", 3);
        Set<String> ids = produce(kafka, input, 5000);
        Map<String, Boolean> failedOnce = new ConcurrentHashMap<>();
        AtomicInteger largest = new AtomicInteger();
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("eos-batch"))
                .input(input).output(output).delivery(Delivery.EXACTLY_ONCE)
                .retry(RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).withMaxAge(Duration.ofSeconds(10)))
                .batchHandler((events, ctx) -> {
                    largest.accumulateAndGet(events.size(), Math::max);
                    BatchResult result = BatchResult.success();
                    for (int i = 0; i < events.size(); i++) {
                        String id = events.get(i).valueAsString();
                        ctx.emit(events.get(i)); // a failed event's emit must not reach the output
                        if (number(id) % 10 == 0 && failedOnce.putIfAbsent(id, true) == null) {
                            result = result.andFailed(i, new IllegalStateException("first attempt of " + id));
                        }
                    }
                    return result;
                }, 100, Duration.ofMillis(10))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == ids.size());
            assertEquals(500, running.stats().retries());
            assertEquals(0, running.stats().deadLettered());
        }
        assertTrue(largest.get() > 1, "events came in batches, largest " + largest.get());
        Tally tally = Tally.of(ids, kafka.readValues(output));
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
    }

    private static Set<String> produce(TestKafka kafka, String topic, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            records.add(new ProducerRecord<>(topic, ("key-" + i % 100).getBytes(StandardCharsets.UTF_8),
                    ("id-" + i).getBytes(StandardCharsets.UTF_8)));
            ids.add("id-" + i);
        }
        assertEquals(count, kafka.produce(records));
        return ids;
    }

    private static int number(String id) {
        return Integer.parseInt(id.substring(id.indexOf('-') + 1));
    }
}
