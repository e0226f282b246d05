package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.EngineConfig;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.FunctionState;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code cold-start}: a function scaled to zero, one record produced, the time until its handler starts — over
 * {@code --records} trials, the function going back to zero between them. The baseline is what a raw consumer
 * needs for the same: one record produced, then a new consumer started in its group (same client settings),
 * subscribing and polling until the record comes.
 */
final class ColdStart extends Scenario {

    static final int PARTITIONS = 3;
    static final Duration IDLE_AFTER = Duration.ofMillis(300);
    static final double TARGET_P50_MS = 200;
    static final double TARGET_P99_MS = 500;
    private static final int WARM_UPS = 2;
    private static final long MAX_MICROS = 120_000_000L;

    ColdStart() {
        super("cold-start",
                "a function at zero woken by one record, produce → handler start, vs a raw consumer started for it",
                Double.NaN,
                true,
                10,
                50); // the targets are Eddy's own p50 and p99
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int trials = context.records();
        String rawTopic = context.newTopic("bench-cold-raw", PARTITIONS);
        Runs.Cpu rawCpu = new Runs.Cpu();
        rawCpu.start();
        Histogram raw = raw(context, rawTopic, trials);
        rawCpu.stop(trials);
        context.progress("    %-44s p50 %6.1f ms   p99 %6.1f ms", "raw consumer started for a record",
                raw.getValueAtPercentile(50) / 1000.0, raw.getValueAtPercentile(99) / 1000.0);
        String eddyTopic = context.newTopic("bench-cold-eddy", PARTITIONS);
        Runs.Cpu eddyCpu = new Runs.Cpu();
        eddyCpu.start();
        Histogram eddy = eddy(context, eddyTopic, trials);
        eddyCpu.stop(trials);
        context.progress("    %-44s p50 %6.1f ms   p99 %6.1f ms", "Eddy: function at zero woken by a record",
                eddy.getValueAtPercentile(50) / 1000.0, eddy.getValueAtPercentile(99) / 1000.0);
        Map<String, Object> eddyFigures = figures("Eddy: function at zero, produce → handler start", eddy);
        eddyCpu.into(eddyFigures);
        eddyFigures.put("target_p50_ms", TARGET_P50_MS);
        eddyFigures.put("target_p99_ms", TARGET_P99_MS);
        eddyFigures.put("target_met", eddy.getValueAtPercentile(50) / 1000.0 <= TARGET_P50_MS
                && eddy.getValueAtPercentile(99) / 1000.0 <= TARGET_P99_MS);
        double ratio = (double) eddy.getValueAtPercentile(50) / raw.getValueAtPercentile(50);
        Map<String, Object> rawFigures = figures("raw: produce, then a new consumer polls it", raw);
        rawCpu.into(rawFigures);
        return new ScenarioResult(eddyFigures, rawFigures, ratio,
                Map.of("partitions", PARTITIONS, "idle_after_ms", IDLE_AFTER.toMillis(), "idle_watch_interval_ms",
                        context.engineConfig().getLong(EngineConfig.IDLE_WATCH_INTERVAL_MS), "ratio_of", "p50"));
    }

    private static Histogram eddy(BenchContext context, String topic, int trials) throws Exception {
        Histogram histogram = new Histogram(MAX_MICROS, 3);
        BlockingQueue<Long> started = new LinkedBlockingQueue<>();
        FunctionDefinition function = context.function("bench-cold-" + topic, null).input(topic)
                .scaleToZero(IDLE_AFTER)
                .handler((event, ctx) -> started.add(sinceSent(event.value()))).build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry());
                KafkaProducer<byte[], byte[]> producer = producer(context)) {
            RunningFunction running = engine.deploy(function);
            for (int trial = 0; trial < trials + WARM_UPS; trial++) {
                BenchContext.awaitCondition(() -> running.state() == FunctionState.IDLE, 60, 5,
                        "the function to scale to zero");
                send(producer, topic, trial);
                Long micros = started.poll(60, TimeUnit.SECONDS);
                if (micros == null) {
                    throw new IllegalStateException("the function was not woken within 60 s");
                }
                if (trial >= WARM_UPS) {
                    histogram.recordValue(micros);
                }
            }
        }
        return histogram;
    }

    private static Histogram raw(BenchContext context, String topic, int trials) throws Exception {
        Histogram histogram = new Histogram(MAX_MICROS, 3);
        String group = "bench-cold-raw-" + topic;
        try (KafkaProducer<byte[], byte[]> producer = producer(context)) {
            for (int trial = 0; trial < trials + WARM_UPS; trial++) {
                send(producer, topic, trial);
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientConfigs.consumer(
                        context.engineConfig(), group, "bench-cold-raw"))) {
                    consumer.subscribe(List.of(topic));
                    long micros = -1;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (micros < 0 && System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                            micros = sinceSent(record.value());
                        }
                    }
                    if (micros < 0) {
                        throw new IllegalStateException("the raw consumer got no record within 60 s");
                    }
                    consumer.commitSync();
                    if (trial >= WARM_UPS) {
                        histogram.recordValue(micros);
                    }
                }
            }
        }
        return histogram;
    }

    static KafkaProducer<byte[], byte[]> producer(BenchContext context) {
        Map<String, Object> props = new HashMap<>(ClientConfigs.producer(context.engineConfig(), "bench-cold"));
        props.put("linger.ms", 0);
        return new KafkaProducer<>(props);
    }

    /** One record holding {@link System#nanoTime()} at sending; waits until Kafka has it. */
    static void send(KafkaProducer<byte[], byte[]> producer, String topic, int trial) throws Exception {
        byte[] key = ("key-" + trial).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, ByteBuffer.allocate(8).putLong(System.nanoTime()).array()))
                .get(30, TimeUnit.SECONDS);
    }

    private static long sinceSent(byte[] value) {
        long micros = (System.nanoTime() - ByteBuffer.wrap(value).getLong()) / 1000;
        return Math.max(0, Math.min(micros, MAX_MICROS));
    }

    private static Map<String, Object> figures(String what, Histogram histogram) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("what", what);
        figures.put("trials", histogram.getTotalCount());
        figures.put("p50_ms", EndToEndLatency.millis(histogram.getValueAtPercentile(50)));
        figures.put("p99_ms", EndToEndLatency.millis(histogram.getValueAtPercentile(99)));
        figures.put("p999_ms", EndToEndLatency.millis(histogram.getValueAtPercentile(99.9)));
        figures.put("max_ms", EndToEndLatency.millis(histogram.getMaxValue()));
        return figures;
    }
}
