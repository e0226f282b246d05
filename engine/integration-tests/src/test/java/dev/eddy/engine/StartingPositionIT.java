package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.Tally;
import dev.eddy.engine.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A function deployed on a topic with a history starts where its {@code startingPosition} says: {@code latest}
 * skips the history, a moment starts at the first record written at or after it. The position is committed when
 * the partitions are first assigned, so the test knows when the function is in place before it writes more.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class StartingPositionIT {

    private static final Duration QUIET = Duration.ofSeconds(60);

    @Test
    void shouldSkipTheHistoryWhenStartingAtLatest(TestKafka kafka) {
        String input = kafka.newTopic("history", 3);
        String output = kafka.newTopic("out", 1);
        produce(kafka, input, "old", 0, 200, null);

        FunctionDefinition function = copy(kafka, input, output).startingPosition(StartingPosition.LATEST).build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            // In place: the end of the history committed as the starting position on every partition.
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 200);
            Set<String> fresh = produce(kafka, input, "new", 0, 50, null);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 250);

            assertEquals(50, running.stats().received(), "only the records written after it started");
            Tally tally = Tally.of(fresh, kafka.readValues(output));
            assertEquals(50, tally.delivered(), tally.toString());
            assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
        }
    }

    @Test
    void shouldStartAtTheFirstRecordOfAMoment(TestKafka kafka) {
        String input = kafka.newTopic("timed", 2);
        String output = kafka.newTopic("out", 1);
        Instant moment = Instant.now().minus(Duration.ofHours(1));
        produce(kafka, input, "before", 0, 100, moment.minusSeconds(60));
        Set<String> after = produce(kafka, input, "after", 0, 80, moment.plusSeconds(1));

        FunctionDefinition function = copy(kafka, input, output).startingPosition(new StartingPosition.At(moment))
                .build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(QUIET).until(() -> kafka.committedSum(function.groupId(), input) == 180);
            assertEquals(80, running.stats().received(), "only the records written at or after the moment");
            Tally tally = Tally.of(after, kafka.readValues(output));
            assertEquals(80, tally.delivered(), tally.toString());
            assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
        }
    }

    private static FunctionBuilder copy(TestKafka kafka, String input, String output) {
        return FunctionDefinition.builder(kafka.uniqueName("start")).input(input).output(output)
                .handler((event, ctx) -> ctx.emit(event));
    }

    /** Records {@code <prefix>-<i>}, with that timestamp (or the broker's time when null); their values. */
    private static Set<String> produce(TestKafka kafka, String topic, String prefix, int from, int count,
            Instant timestamp) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> values = new LinkedHashSet<>();
        for (int i = from; i < from + count; i++) {
            String value = prefix + "-" + i;
            values.add(value);
            records.add(new ProducerRecord<>(topic, null, timestamp == null ? null : timestamp.toEpochMilli(),
                    ("k" + i).getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(count, kafka.produce(records));
        return values;
    }
}
