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
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bad records and slow handlers on a real broker: they cost their own record, never the partition. */
@ExtendWith(EmbeddedKafkaExtension.class)
class FailureHandlingIT {

    private static final Duration QUIET = Duration.ofSeconds(90);

    @Test
    void shouldDeadLetterAPoisonPillAndAnAlwaysFailingKeyWhileEveryOtherKeyFlows(TestKafka kafka) {
        String input = kafka.newTopic("in", 1); // one partition: the failing key shares it with all the others
        String output = kafka.newTopic("out", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> good = new HashSet<>();
        Set<String> bad = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String key = i == 700 ? "pill" : i % 400 == 13 ? "broken" : "key-" + (i % 50);
            String value = i == 700 ? "{not json" : "id-" + i;
            records.add(new ProducerRecord<>(input, bytes(key), bytes(value)));
            (key.equals("broken") || key.equals("pill") ? bad : good).add(value);
        }
        kafka.produce(records);

        // Three attempts over about a second for each bad record, the five of the broken key one after the other:
        // the other keys must not wait for that.
        RetryPolicy policy = RetryPolicy.attempts(3).withBackoff(Duration.ofMillis(300), Duration.ofMillis(600));
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("mixed"))
                .input(input).output(output).retry(policy).maxConcurrency(16)
                .handler((event, ctx) -> {
                    if (event.valueAsString().startsWith("{")) {
                        throw new IllegalArgumentException("not a reading: " + event.valueAsString());
                    }
                    if (event.keyAsString().equals("broken")) {
                        throw new IllegalStateException("this key is broken");
                    }
                    ctx.emit(event);
                })
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.endOffsetSum(output) == good.size());
            assertTrue(running.stats().deadLettered() < bad.size(),
                    "every good record was out before the bad ones were given up on: " + running.stats());
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == records.size());
            assertEquals(bad.size(), running.stats().deadLettered());
        }

        Tally delivered = Tally.of(good, kafka.readValues(output));
        assertEquals(0, delivered.lost() + delivered.duplicates() + delivered.unexpected(), delivered.toString());
        List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(function.deadLetterTopic());
        Tally deadLettered = Tally.of(bad, values(letters));
        assertEquals(0, deadLettered.lost() + deadLettered.duplicates() + deadLettered.unexpected(),
                deadLettered.toString());
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            assertEquals(input, header(letter, DeadLetterHeaders.SOURCE_TOPIC));
            assertEquals("0", header(letter, DeadLetterHeaders.SOURCE_PARTITION));
            assertEquals(function.name(), header(letter, DeadLetterHeaders.FUNCTION));
            assertEquals("3", header(letter, DeadLetterHeaders.ATTEMPTS));
            assertEquals(FailureReason.HANDLER_FAILED.name(), header(letter, DeadLetterHeaders.REASON));
            String expectedClass = new String(letter.value(), StandardCharsets.UTF_8).startsWith("{")
                    ? IllegalArgumentException.class.getName() : IllegalStateException.class.getName();
            assertEquals(expectedClass, header(letter, DeadLetterHeaders.EXCEPTION_CLASS));
        }
    }

    @Test
    void shouldStayInTheGroupWhenAHandlerIsSlowerThanTheMaxPollInterval(TestKafka kafka) {
        String input = kafka.newTopic("in", 2);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(new ProducerRecord<>(input, bytes("key-" + i), bytes("id-" + i)));
        }
        kafka.produce(records);
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("slow"))
                .input(input).timeout(Duration.ofSeconds(30))
                .handler((event, ctx) -> {
                    if (event.valueAsString().equals("id-3")) {
                        LockSupport.parkNanos(Duration.ofSeconds(8).toNanos()); // far past max.poll.interval.ms
                    }
                })
                .build();
        Map<String, Object> settings = Map.of("consumer.max.poll.interval.ms", 4000);
        try (Engine engine = new Engine(kafka.engineConfig(settings), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == records.size());
            FunctionStats stats = running.stats();
            assertEquals(0, stats.partitionsRevoked(), "no rebalance while the slow call ran: " + stats);
            assertEquals(records.size(), stats.succeeded(), "each record handled once: " + stats);
            assertEquals(0, stats.failed());
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }
}
