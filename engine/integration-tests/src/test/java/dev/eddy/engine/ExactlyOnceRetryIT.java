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
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An EXACTLY_ONCE function in which one key fails five times, with backoff (6.2 s in all), while 50,000 records of
 * other keys arrive at 5,000 a second: those records flow as they do in a run without the failing key, measured
 * as a read_committed consumer of the output sees them (throughput, and the end-to-end p99 from their production).
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ExactlyOnceRetryIT {

    private static final int RECORDS = 50_000;
    private static final int PER_TICK = 50;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int FAILURES = 5;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void shouldKeepOtherKeysFlowingWhileOneKeyRetries(TestKafka kafka) throws Exception {
        run(kafka, false, RECORDS / 2); // warms the JVM and the broker up: its figures are not compared
        // The run with the retries first: of two runs, the second is the faster on this machine.
        Run retrying = run(kafka, true, RECORDS);
        Run quiet = run(kafka, false, RECORDS);
        double throughputRatio = retrying.throughput / quiet.throughput;
        double p99Ratio = (double) retrying.p99Millis / quiet.p99Millis;
        System.out.printf("[eos-retry] without the failing key: %.0f records/s, e2e p50 %d ms, p99 %d ms; with it:"
                + " %.0f records/s, e2e p50 %d ms, p99 %d ms (throughput %.2f, p99 %.2f of the run without); the"
                + " failing key's record was committed %d ms after its production%n", quiet.throughput,
                quiet.p50Millis, quiet.p99Millis, retrying.throughput, retrying.p50Millis, retrying.p99Millis,
                throughputRatio, p99Ratio, retrying.failingKeyMillis);

        assertTrue(retrying.failingKeyMillis >= 6_000, "the retries overlapped the flow: "
                + retrying.failingKeyMillis + " ms");
        // 0.88 to 1.05 measured; the bound leaves room for this shared machine's pauses.
        assertTrue(throughputRatio >= 0.6, "throughput during the retries: " + throughputRatio);
        // While the retries held every partition, as they did, the p50 was 3 s and the p99 the retries' 7 s. The
        // bounds allow for this shared 2-core machine, where one run's p50 has doubled against the next (68 against
        // 139 ms) and a p99 of a few hundred milliseconds moves by as much; the figures printed above are the
        // measurement.
        assertTrue(retrying.p50Millis <= quiet.p50Millis * 1.2 + 500, "e2e p50 during the retries: "
                + retrying.p50Millis + " ms against " + quiet.p50Millis + " ms");
        // No record of another key waited for the retries (0.2 + 0.4 + 0.8 + 1.6 + 3.2 s): its p99 is well under them.
        assertTrue(retrying.p99Millis < 5_000, "e2e p99 during the retries: " + retrying.p99Millis + " ms against "
                + quiet.p99Millis + " ms without them");
    }

    /**
     * A commit made while a record waits for its retry stops at that record and names the ones past it that are done
     * (the committed offset's metadata, as Kafka keeps it); the engine that takes over skips those, so that each
     * output is still written once.
     */
    @Test
    void shouldSkipWhatACommitNamedDoneWhenAnotherEngineTakesOver(TestKafka kafka) throws Exception {
        String input = kafka.newTopic("in", 1);
        String output = kafka.newTopic("out", 1);
        String name = kafka.uniqueName("eos-takeover");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String key = i == 10 ? "bad" : "k-" + (i % 50);
            records.add(record(input, key, "id-" + i));
            ids.add("id-" + i);
        }
        kafka.produce(records);
        AtomicInteger calls = new AtomicInteger();
        FunctionDefinition failing = takeover(name, input, output, (event, ctx) -> {
            calls.incrementAndGet();
            if (event.keyAsString().equals("bad")) {
                throw new IllegalStateException("not before the retry, a minute away");
            }
            ctx.emit(event);
        });
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            engine.deploy(failing);
            // Committed at the waiting record (offset 10), with the 989 records past it done in the metadata.
            await().atMost(WAIT).until(() -> kafka.committedSum(failing.groupId(), input) == 10
                    && kafka.readValues(output).size() == 999);
        }
        int firstCalls = calls.get();

        FunctionDefinition healed = takeover(name, input, output, (event, ctx) -> {
            calls.incrementAndGet();
            ctx.emit(event);
        });
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            engine.deploy(healed);
            await().atMost(WAIT).until(() -> kafka.committedSum(healed.groupId(), input) == 1000);
        }
        assertEquals(1, calls.get() - firstCalls, "only the record that waited was handled again");
        Tally tally = Tally.of(ids, kafka.readValues(output));
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
    }

    private static FunctionDefinition takeover(String name, String input, String output, dev.eddy.sdk.Handler handler) {
        return FunctionDefinition.builder(name).input(input).output(output).delivery(Delivery.EXACTLY_ONCE)
                .ordering(Ordering.KEY).maxConcurrency(8)
                .retry(RetryPolicy.attempts(3).withBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .handler(handler).build();
    }

    private record Run(double throughput, long p50Millis, long p99Millis, long failingKeyMillis) {
    }

    private Run run(TestKafka kafka, boolean failingKey, int records) throws Exception {
        String input = kafka.newTopic("in", 6);
        String output = kafka.newTopic("out", 6);
        AtomicInteger badAttempts = new AtomicInteger();
        FunctionDefinition function = FunctionDefinition.builder(kafka.uniqueName("eos-retrying"))
                .input(input).output(output).delivery(Delivery.EXACTLY_ONCE).ordering(Ordering.KEY)
                .maxConcurrency(8)
                .retry(new RetryPolicy(FAILURES + 1, Duration.ofMillis(200), Duration.ofSeconds(5), 2.0, 0.0,
                        Duration.ofMinutes(1)))
                .handler((event, ctx) -> {
                    if (event.keyAsString().equals("bad") && badAttempts.incrementAndGet() <= FAILURES) {
                        throw new IllegalStateException("attempt " + badAttempts.get() + " fails");
                    }
                    ctx.emit(event);
                })
                .build();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < records; i++) {
            ids.add("id-" + i);
        }
        if (failingKey) {
            ids.add("bad-0");
        }
        OutputWatch watch = new OutputWatch(kafka.bootstrapServers(), output, ids.size());
        try (Engine engine = new Engine(kafka.engineConfig(Map.of()), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            await().atMost(WAIT).until(() -> running.assignedPartitions() == 7); // the input's 6 and the replay's
            Thread watching = Thread.ofPlatform().name("output-watch").start(watch);
            produceAtRate(kafka, input, failingKey, records);
            await().atMost(WAIT).until(() -> watch.received.size() >= ids.size());
            watch.stop.set(true);
            watching.join(WAIT.toMillis());
        }
        List<String> values = watch.received.stream().map(Received::value).toList();
        Tally tally = Tally.of(ids, values);
        assertEquals(0, tally.lost() + tally.duplicates() + tally.unexpected(), tally.toString());
        if (failingKey) {
            assertEquals(FAILURES + 1, badAttempts.get());
        }
        List<Received> others = watch.received.stream().filter(r -> r.value().startsWith("id-")).toList();
        List<Long> latencies = new ArrayList<>(others.stream().map(Received::latencyMillis).toList());
        Collections.sort(latencies);
        long p50 = latencies.get(latencies.size() / 2);
        long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
        long spanNanos = others.get(others.size() - 1).atNanos() - others.get(0).atNanos();
        double throughput = others.size() / (spanNanos / 1e9);
        long failingKeyMillis = watch.received.stream().filter(r -> r.value().equals("bad-0"))
                .mapToLong(Received::latencyMillis).findFirst().orElse(-1);
        return new Run(throughput, p50, p99, failingKeyMillis);
    }

    /** The failing key's record first (when asked), then the others at 5,000 a second. */
    private static void produceAtRate(TestKafka kafka, String topic, boolean failingKey, int records) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            if (failingKey) {
                producer.send(record(topic, "bad", "bad-0"));
            }
            long next = System.nanoTime();
            for (int i = 0; i < records; i++) {
                if (i % PER_TICK == 0) {
                    next += TICK_NANOS;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait); // pacing the producer, not a sync
                    }
                }
                producer.send(record(topic, "k-" + (i % 1000), "id-" + i));
            }
            producer.flush();
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    /** One output record as the watching consumer saw it. */
    private record Received(String value, long latencyMillis, long atNanos) {
    }

    /** A read_committed consumer of the output that notes when each record became visible. */
    private static final class OutputWatch implements Runnable {
        private final String bootstrap;
        private final String topic;
        private final int expected;
        final List<Received> received = new CopyOnWriteArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();

        OutputWatch(String bootstrap, String topic, int expected) {
            this.bootstrap = bootstrap;
            this.topic = topic;
            this.expected = expected;
        }

        @Override
        public void run() {
            Map<String, Object> props = Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(info -> new TopicPartition(topic, info.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (!stop.get() && received.size() < expected * 2) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.currentTimeMillis();
                        received.add(new Received(new String(record.value(), StandardCharsets.UTF_8),
                                now - record.timestamp(), System.nanoTime()));
                    }
                }
            }
        }
    }
}
