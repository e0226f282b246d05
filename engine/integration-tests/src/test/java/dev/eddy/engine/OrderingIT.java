package dev.eddy.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eddy.engine.testing.EmbeddedKafkaExtension;
import dev.eddy.engine.testing.TestKafka;
import dev.eddy.sdk.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The three orderings on a real broker, with a handler that waits like one doing I/O: how many calls ran at once,
 * and whether each key (or partition) saw its records in offset order.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class OrderingIT {

    private static final int RECORDS = 600;
    private static final int KEYS = 60;
    private static final Duration IO_WAIT = Duration.ofMillis(10);

    @Test
    void shouldRunKeysConcurrentlyWithinOnePartitionAndEachKeyInOrder(TestKafka kafka) {
        Observed observed = run(kafka, Ordering.KEY, 1, 50);

        assertTrue(observed.mostAtOnce.get() >= 20,
                "one partition, 60 keys, max concurrency 50: calls at once were " + observed.mostAtOnce.get());
        assertTrue(observed.mostAtOnce.get() <= 50, "over the max concurrency: " + observed.mostAtOnce.get());
        observed.assertInOrder(observed.offsetsByKey, "key");
    }

    @Test
    void shouldRunOnePartitionAtATimeInPartitionOrder(TestKafka kafka) {
        Observed observed = run(kafka, Ordering.PARTITION, 3, 50);

        assertTrue(observed.mostAtOnce.get() <= 3, "PARTITION order with 3 partitions ran "
                + observed.mostAtOnce.get() + " calls at once");
        observed.assertInOrder(observed.offsetsByPartition, "partition");
    }

    @Test
    void shouldRunUnorderedRecordsConcurrentlyUpToTheMax(TestKafka kafka) {
        Observed observed = run(kafka, Ordering.UNORDERED, 1, 20);

        assertTrue(observed.mostAtOnce.get() > 1 && observed.mostAtOnce.get() <= 20,
                "UNORDERED with max concurrency 20 ran " + observed.mostAtOnce.get() + " calls at once");
    }

    private Observed run(TestKafka kafka, Ordering ordering, int partitions, int maxConcurrency) {
        String input = kafka.newTopic("in", partitions);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            records.add(new ProducerRecord<>(input, i % partitions, bytes("key-" + (i % KEYS)), bytes("value-" + i)));
        }
        assertEquals(RECORDS, kafka.produce(records));

        Observed observed = new Observed();
        Handler handler = (event, ctx) -> {
            observed.mostAtOnce.accumulateAndGet(observed.running.incrementAndGet(), Math::max);
            LockSupport.parkNanos(IO_WAIT.toNanos()); // the handler's simulated I/O
            long offset = event.origin().orElseThrow().offset();
            observed.offsetsByKey.computeIfAbsent(event.keyAsString(), k -> new CopyOnWriteArrayList<>()).add(offset);
            observed.offsetsByPartition.computeIfAbsent(String.valueOf(event.origin().orElseThrow().partition()),
                    k -> new CopyOnWriteArrayList<>()).add(offset);
            observed.running.decrementAndGet();
        };
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName(ordering.name().toLowerCase()))
                .input(input).ordering(ordering).maxConcurrency(maxConcurrency).handler(handler).build();
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(Duration.ofSeconds(60)).until(() -> running.stats().processed() == RECORDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> kafka.committedSum(function.groupId(), input) == RECORDS);
            assertEquals(RECORDS, running.stats().succeeded());
        }
        return observed;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** What the handler saw. */
    private static final class Observed {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final Map<String, List<Long>> offsetsByKey = new ConcurrentHashMap<>();
        final Map<String, List<Long>> offsetsByPartition = new ConcurrentHashMap<>();

        void assertInOrder(Map<String, List<Long>> offsets, String what) {
            for (Map.Entry<String, List<Long>> entry : offsets.entrySet()) {
                List<Long> seen = entry.getValue();
                for (int i = 1; i < seen.size(); i++) {
                    assertTrue(seen.get(i - 1) < seen.get(i), what + " " + entry.getKey() + " out of order: " + seen);
                }
            }
        }
    }
}
