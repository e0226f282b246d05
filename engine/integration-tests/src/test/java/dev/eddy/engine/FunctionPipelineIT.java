package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Records through a function on a real broker, counted: produced, delivered, failed, lost, duplicated. */
@ExtendWith(EmbeddedKafkaExtension.class)
class FunctionPipelineIT {

    private static final int RECORDS = 10_000;
    private static final Duration QUIET = Duration.ofSeconds(60);

    @Test
    void shouldDeliverEveryOutputExactlyOnce(TestKafka kafka) {
        String input = kafka.newTopic("in", 6);
        String output = kafka.newTopic("out", 3);
        Set<String> ids = produceNumbered(kafka, input, RECORDS);

        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("upper"))
                .input(input).output(output)
                .handler((event, ctx) -> ctx.emit(event.withValue(event.valueAsString().toUpperCase())))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == RECORDS);

            FunctionStats stats = running.stats();
            assertEquals(RECORDS, stats.received());
            assertEquals(RECORDS, stats.succeeded());
            assertEquals(0, stats.failed());
            assertEquals(RECORDS, stats.emitted());
        }

        List<ConsumerRecord<byte[], byte[]>> outputs = kafka.readAll(output);
        Tally tally = Tally.of(upper(ids), outputs.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
        assertEquals(RECORDS, tally.delivered(), tally.toString());
        assertEquals(0, tally.lost(), tally.toString());
        assertEquals(0, tally.duplicates(), tally.toString());
        assertEquals(0, tally.unexpected(), tally.toString());
        for (ConsumerRecord<byte[], byte[]> record : outputs) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertEquals(key.toUpperCase(), new String(record.value(), StandardCharsets.UTF_8).replace("VALUE-", "KEY-"),
                    "the emitted event keeps the input's key");
        }
    }

    @Test
    void shouldProcessEveryOtherRecordWhenTheHandlerThrowsForSome(TestKafka kafka) {
        String input = kafka.newTopic("in", 6);
        String output = kafka.newTopic("out", 3);
        Set<String> ids = produceNumbered(kafka, input, RECORDS);
        Set<String> expected = new HashSet<>();
        Set<String> refused = new HashSet<>();
        for (String id : ids) {
            (number(id) % 10 != 3 ? expected : refused).add(id);
        }

        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("picky"))
                .input(input).output(output)
                .retry(RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(1), Duration.ofMillis(10)))
                .handler((event, ctx) -> {
                    if (number(event.valueAsString()) % 10 == 3) {
                        throw new IllegalArgumentException("refusing " + event.valueAsString());
                    }
                    ctx.emit(event);
                })
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == RECORDS);

            FunctionStats stats = running.stats();
            assertEquals(RECORDS, stats.received());
            assertEquals(3 * refused.size(), stats.failed(), "three attempts at each refused record");
            assertEquals(expected.size(), stats.succeeded());
            assertEquals(refused.size(), stats.deadLettered());
            assertEquals(FunctionState.RUNNING, running.state());
        }

        Tally delivered = Tally.of(expected, kafka.readValues(output));
        assertEquals(expected.size(), delivered.delivered(), delivered.toString());
        assertEquals(0, delivered.lost(), delivered.toString());
        assertEquals(0, delivered.duplicates(), delivered.toString());
        assertEquals(0, delivered.unexpected(), "no output for a record whose handler threw: " + delivered);
        Tally deadLettered = Tally.of(refused, kafka.readValues(function.deadLetterTopic()));
        assertEquals(refused.size(), deadLettered.delivered(), deadLettered.toString());
        assertEquals(0, deadLettered.duplicates() + deadLettered.unexpected(), deadLettered.toString());
    }

    @Test
    void shouldDeadLetterARecordWhoseOutputKafkaRefusedAndGoOn(TestKafka kafka) {
        String input = kafka.newTopic("in", 1);
        String output = kafka.newTopic("out", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(record(input, "key-" + i, i == 5 ? "too-big" : "value-" + i));
        }
        kafka.produce(records);

        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("bloat"))
                .input(input).output(output)
                .handler((event, ctx) -> {
                    if (event.valueAsString().equals("too-big")) {
                        ctx.emit(event.withValue(new byte[2 * 1024 * 1024])); // over the producer's 1 MB request limit
                    } else {
                        ctx.emit(event);
                    }
                })
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 10);
            assertEquals(FunctionState.RUNNING, running.state());
        }
        assertEquals(9, kafka.readAll(output).size());
        List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(function.deadLetterTopic());
        assertEquals(1, letters.size());
        ConsumerRecord<byte[], byte[]> letter = letters.get(0);
        assertEquals("too-big", new String(letter.value(), StandardCharsets.UTF_8));
        assertEquals("OUTPUT_REFUSED", header(letter, DeadLetterHeaders.REASON));
        assertEquals("5", header(letter, DeadLetterHeaders.SOURCE_OFFSET));
        assertTrue(header(letter, DeadLetterHeaders.EXCEPTION_MESSAGE).contains("max.request.size"));
    }

    @Test
    void shouldDeliverEveryOutputOnceThroughABatchHandler(TestKafka kafka) {
        String input = kafka.newTopic("in", 6);
        String output = kafka.newTopic("out", 3);
        Set<String> ids = produceNumbered(kafka, input, RECORDS);
        java.util.concurrent.atomic.AtomicInteger largest = new java.util.concurrent.atomic.AtomicInteger();
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("bulk"))
                .input(input).output(output)
                .batchHandler((events, ctx) -> {
                    largest.accumulateAndGet(events.size(), Math::max);
                    events.forEach(event -> ctx.emit(event.withValue(event.valueAsString().toUpperCase())));
                    return dev.eddy.sdk.BatchResult.success();
                }, 50, Duration.ofMillis(20))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == RECORDS);
            assertEquals(RECORDS, running.stats().succeeded());
        }
        assertTrue(largest.get() > 1 && largest.get() <= 50, "batches of up to 50, largest " + largest.get());
        Tally tally = Tally.of(upper(ids), kafka.readValues(output));
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
    }

    @Test
    void shouldRefuseToStartWhenAnOutputTopicIsMissing(TestKafka kafka) {
        String input = kafka.newTopic("in", 1);
        kafka.produce(List.of(record(input, "key-0", "value-0")));
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("lost"))
                .input(input).output("alerts", "no-such-topic")
                .handler((event, ctx) -> ctx.emit("alerts", event))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of("producer.max.block.ms", 2000)),
                new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> running.state() == FunctionState.FAILED);

            String reason = running.failure().orElseThrow().getMessage();
            assertTrue(reason.contains("'alerts'") && reason.contains("'no-such-topic'"), reason);
            assertEquals(0, running.stats().received(), "no record is taken before the outputs are known");
        }
        assertEquals(0, kafka.committedSum(function.groupId(), input));
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static Set<String> produceNumbered(TestKafka kafka, String topic, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(count);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            String value = "value-" + i;
            records.add(record(topic, "key-" + i, value));
            ids.add(value);
        }
        assertEquals(count, kafka.produce(records));
        return ids;
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private static int number(String id) {
        return Integer.parseInt(id.substring(id.indexOf('-') + 1));
    }

    private static Set<String> upper(Set<String> ids) {
        Set<String> upper = new HashSet<>();
        ids.forEach(id -> upper.add(id.toUpperCase()));
        return upper;
    }

}
