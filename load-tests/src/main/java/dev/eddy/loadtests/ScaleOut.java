package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code scale-out}: a function running one worker is hit by a burst it cannot keep up with (calls of
 * {@link #CALL_MILLIS} ms, {@link #CONCURRENCY} at once a worker); the time from the burst's first record to a worker
 * added by its scaling controller completing records. The baseline is Kafka's own part of that: a raw consumer
 * group of one, and a second consumer started the moment the burst begins (as if the decision took no time) — the
 * time until it has its first record. Over {@code --runs} trials each, after a warm-up.
 */
final class ScaleOut extends Scenario {

    static final int PARTITIONS = 8;
    static final long CALL_MILLIS = 2;
    static final int CONCURRENCY = 4;
    static final double TARGET_SECONDS = 5;

    ScaleOut() {
        super("scale-out",
                "a burst on a function with one worker, burst → an added worker completing records, vs a raw"
                        + " consumer added to its group at the burst",
                Double.NaN,
                true,
                10_000,
                20_000); // the target is Eddy's own reaction time
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int trials = context.runs() + 1;
        List<Double> raw = new ArrayList<>();
        List<Double> eddy = new ArrayList<>();
        Runs.Cpu rawCpu = new Runs.Cpu();
        Runs.Cpu eddyCpu = new Runs.Cpu();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            for (int trial = 0; trial < trials; trial++) {
                String tag = trial == 0 ? "warm-up" : "run " + trial;
                String rawTopic = context.newTopic("bench-scale-raw", PARTITIONS);
                rawCpu.start();
                double r = raw(context, rawTopic);
                if (trial > 0) {
                    rawCpu.stop(context.records());
                }
                context.progress("    %-8s raw: a consumer added at the burst had a record after %5.2f s", tag, r);
                String eddyTopic = context.newTopic("bench-scale-eddy", PARTITIONS);
                eddyCpu.start();
                double e = eddy(context, engine, eddyTopic, trial);
                if (trial > 0) {
                    eddyCpu.stop(context.records());
                }
                context.progress("    %-8s Eddy: an added worker completed records %5.2f s after the burst", tag, e);
                if (trial > 0) {
                    raw.add(r);
                    eddy.add(e);
                }
            }
        }
        double eddyMedian = Throughput.median(eddy);
        double rawMedian = Throughput.median(raw);
        Map<String, Object> eddyFigures = figures("Eddy: burst → a worker added by the scaling controller completes"
                + " records", eddy);
        eddyCpu.into(eddyFigures);
        eddyFigures.put("target_reaction_s", TARGET_SECONDS);
        eddyFigures.put("target_met", eddyMedian <= TARGET_SECONDS && eddy.stream().allMatch(s -> s <= TARGET_SECONDS));
        Map<String, Object> rawFigures = figures("raw: burst → a consumer added at that moment has a record", raw);
        rawCpu.into(rawFigures);
        return new ScenarioResult(eddyFigures, rawFigures, eddyMedian / rawMedian, Map.of("partitions", PARTITIONS,
                "call_ms", CALL_MILLIS, "max_concurrency", CONCURRENCY, "burst_records", context.records(),
                "ratio_of", "median reaction"));
    }

    private static double eddy(BenchContext context, Engine engine, String topic, int trial) throws Exception {
        FunctionDefinition function = context.function("bench-scale-" + topic, CONCURRENCY).input(topic)
                .maxConcurrency(CONCURRENCY).scalingMin(1).scalingMax(PARTITIONS)
                .handler((event, ctx) -> LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CALL_MILLIS)))
                .build();
        RunningFunction running = engine.deploy(function);
        try {
            BenchContext.awaitCondition(() -> running.assignedPartitions() >= PARTITIONS, 60, 10,
                    "the function to have its partitions");
            long start = System.nanoTime();
            Thread burst = burst(context, topic);
            BenchContext.awaitCondition(() -> running.workersThatCompletedRecords() > 1, 120, 10,
                    "an added worker to complete records");
            double reaction = (System.nanoTime() - start) / 1e9;
            burst.join();
            BenchContext.awaitCount(() -> running.stats().succeeded(), context.records(), "the burst");
            return reaction;
        } finally {
            engine.undeploy(function.name());
        }
    }

    private static double raw(BenchContext context, String topic) throws Exception {
        String group = "bench-scale-raw-" + topic;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong firstOfSecond = new AtomicLong();
        try (KafkaConsumer<byte[], byte[]> first = consumer(context, group, "first")) {
            first.subscribe(List.of(topic));
            while (first.assignment().size() < PARTITIONS) {
                first.poll(Duration.ofMillis(20));
            }
            Thread polling = Thread.ofPlatform().name("bench-scale-raw-first").start(() -> {
                while (!stop.get()) {
                    first.poll(Duration.ofMillis(20)).forEach(record ->
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CALL_MILLIS) / CONCURRENCY));
                }
            });
            long start = System.nanoTime();
            Thread burst = null;
            try (KafkaConsumer<byte[], byte[]> second = consumer(context, group, "second")) {
                burst = burst(context, topic);
                second.subscribe(List.of(topic));
                long deadline = start + TimeUnit.SECONDS.toNanos(120);
                while (firstOfSecond.get() == 0 && System.nanoTime() < deadline) {
                    if (!second.poll(Duration.ofMillis(20)).isEmpty()) {
                        firstOfSecond.set(System.nanoTime());
                    }
                }
            } finally {
                stop.set(true);
                polling.join();
                if (burst != null) {
                    burst.join();
                }
            }
            if (firstOfSecond.get() == 0) {
                throw new IllegalStateException("the second raw consumer got no record within 120 s");
            }
            return (firstOfSecond.get() - start) / 1e9;
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(BenchContext context, String group, String name) {
        return new KafkaConsumer<>(ClientConfigs.consumer(context.engineConfig(), group, "bench-scale-raw-" + name));
    }

    /** Writes the burst, as fast as the producer takes it, from a thread of its own, which it returns. */
    private static Thread burst(BenchContext context, String topic) {
        Map<String, Object> props = new HashMap<>(ClientConfigs.producer(context.engineConfig(), "bench-scale"));
        return Thread.ofPlatform().name("bench-scale-burst").start(() -> {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
                byte[] value = new byte[100];
                for (int i = 0; i < context.records(); i++) {
                    producer.send(new ProducerRecord<>(topic, ("key-" + i % 1000).getBytes(
                            java.nio.charset.StandardCharsets.UTF_8), value));
                }
            }
        });
    }

    private static Map<String, Object> figures(String what, List<Double> seconds) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("what", what);
        figures.put("trials", seconds.size());
        figures.put("reaction_s", Math.round(Throughput.median(seconds) * 100) / 100.0);
        figures.put("max_s", Math.round(seconds.stream().mapToDouble(d -> d).max().orElse(0) * 100) / 100.0);
        figures.put("each_s", seconds.stream().map(s -> Math.round(s * 100) / 100.0).toList());
        return figures;
    }
}
