package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Context;
import dev.eddy.sdk.Environment;
import dev.eddy.sdk.Event;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scale to zero on a real broker: a function with {@code scaling.min: 0} starts at zero, the engine's watcher
 * wakes it when records arrive, it lets go of its consumer after its idle time (its group has no member left), and
 * over three rounds of records, each arriving while it was at zero, every record is handled once: none lost, none
 * repeated. Its handler is opened once, kept open while at zero, and closed when the function is undeployed.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ScaleToZeroIT {

    private static final int PER_ROUND = 200;

    @Test
    void shouldLetGoWhenIdleWakeWhenRecordsArriveAndHandleEachRecordOnce(TestKafka kafka) throws Exception {
        String input = kafka.newTopic("sleepy-in", 3);
        String output = kafka.newTopic("sleepy-out", 3);
        Lifecycled handler = new Lifecycled();
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("sleepy"))
                .input(input).output(output).handler(handler).scaleToZero(Duration.ofMillis(700)).build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of(EngineConfig.IDLE_WATCH_INTERVAL_MS, 50L)),
                new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            assertEquals(FunctionState.IDLE, running.state(), "a function that scales to zero starts there");
            List<Long> wakeMillis = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                long produced = System.nanoTime();
                kafka.produce(records(input, round * PER_ROUND, (round + 1) * PER_ROUND));
                int expected = (round + 1) * PER_ROUND;
                await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffsetSum(output) >= expected);
                wakeMillis.add(TimeUnit.NANOSECONDS.toMillis(handler.firstCallAfter(produced) - produced));
                await("the function to scale to zero").atMost(Duration.ofSeconds(30))
                        .until(() -> running.state() == FunctionState.IDLE);
                assertTrue(kafka.admin().describeConsumerGroups(List.of(function.groupId())).all()
                        .get(10, TimeUnit.SECONDS).get(function.groupId()).members().isEmpty(),
                        "at zero, the function has no consumer in its group");
            }
            assertEquals(3, running.coldStarts(), "woken for each round");
            System.out.println("[scale-to-zero] produce → handler after waking: " + wakeMillis + " ms");

            Map<String, Integer> seen = new HashMap<>();
            kafka.readValues(output).forEach(value -> seen.merge(value, 1, Integer::sum));
            long repeated = seen.values().stream().filter(count -> count > 1).count();
            assertEquals(3 * PER_ROUND, seen.size(), "every record handled (lost: " + (3 * PER_ROUND - seen.size())
                    + ")");
            assertEquals(0, repeated, "no record handled twice");
            assertEquals(1, handler.opened.get(), "opened once, kept open at zero");
            assertEquals(0, handler.closed.get());

            engine.undeploy(function.name());
            assertEquals(FunctionState.STOPPED, running.state());
            assertEquals(1, handler.closed.get(), "closed when undeployed at zero");
        }
    }

    private static List<ProducerRecord<byte[], byte[]>> records(String topic, int from, int to) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(new ProducerRecord<>(topic, ("k" + i % 17).getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    /** Emits each record; counts its opens and closes, and remembers when each call started. */
    static final class Lifecycled implements Handler {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        private final List<Long> calls = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void open(Environment environment) {
            opened.incrementAndGet();
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }

        @Override
        public void handle(Event event, Context context) {
            calls.add(System.nanoTime());
            context.emit(event);
        }

        long firstCallAfter(long nanos) {
            synchronized (calls) {
                return calls.stream().filter(call -> call >= nanos).min(Long::compare).orElseThrow();
            }
        }
    }
}
