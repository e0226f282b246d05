package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code e2e-latency}: records produced at a steady 5,000 a second, each carrying the moment it was sent; the time
 * from that moment to the handler's start, against the time from it to a raw consumer's poll returning the record,
 * measured the same way with the same client settings. Both run in this process, so one clock serves both ends.
 */
final class EndToEndLatency extends Scenario {

    static final int RATE = 5_000;
    static final int PARTITIONS = 6;
    static final double TARGET_P99_MS = 20.0;
    static final long MAX_MICROS = 60_000_000L;

    EndToEndLatency() {
        super("e2e-latency",
                "produce → handler start at 5,000 records/s vs produce → raw poll, same settings",
                Double.NaN,
                true,
                1000,
                25_000); // the target is Eddy's own p99, not a ratio
    }

    @Override
    public ScenarioResult run(BenchContext context) {
        int records = context.records();
        Histogram eddy = new Histogram(MAX_MICROS, 3);
        Histogram raw = new Histogram(MAX_MICROS, 3);
        Runs.Cpu eddyCpu = new Runs.Cpu();
        Runs.Cpu rawCpu = new Runs.Cpu();
        Runs.alternate(context,
                run -> {
                    String topic = context.newTopic("bench-lat-raw", PARTITIONS);
                    rawCpu.start();
                    keep(context, run, raw, rawLatency(context, topic, records, run), rawCpu, records);
                },
                run -> {
                    String topic = context.newTopic("bench-lat-eddy", PARTITIONS);
                    eddyCpu.start();
                    keep(context, run, eddy, eddyLatency(context, topic, records, run), eddyCpu, records);
                });
        Map<String, Object> eddyFigures = figures("Eddy: produce → handler start", eddy);
        eddyCpu.into(eddyFigures);
        eddyFigures.put("target_p99_ms", TARGET_P99_MS);
        eddyFigures.put("target_met", eddy.getValueAtPercentile(99) / 1000.0 <= TARGET_P99_MS);
        double ratio = (eddy.getValueAtPercentile(99) / 1000.0) / (raw.getValueAtPercentile(99) / 1000.0);
        Map<String, Object> rawFigures = figures("raw produce → poll", raw);
        rawCpu.into(rawFigures);
        return new ScenarioResult(eddyFigures, rawFigures, ratio,
                Map.of("rate_per_sec", RATE, "partitions", PARTITIONS, "ratio_of", "p99"));
    }

    /** Adds a measured run's latencies and CPU (the producer's included: both sides produce alike). */
    private static void keep(BenchContext context, int run, Histogram total, Histogram measured, Runs.Cpu cpu,
            int records) {
        if (context.isMeasured(run)) {
            cpu.stop(records);
            total.add(measured);
        }
    }

    private static Map<String, Object> figures(String what, Histogram histogram) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("what", what);
        figures.putAll(percentiles(histogram));
        return figures;
    }

    /** How many were measured, and their p50, p99, p99.9 and maximum in milliseconds. */
    static Map<String, Object> percentiles(Histogram histogram) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("records", histogram.getTotalCount());
        figures.put("p50_ms", millis(histogram.getValueAtPercentile(50)));
        figures.put("p99_ms", millis(histogram.getValueAtPercentile(99)));
        figures.put("p999_ms", millis(histogram.getValueAtPercentile(99.9)));
        figures.put("max_ms", millis(histogram.getMaxValue()));
        return figures;
    }

    static double millis(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    private static Histogram eddyLatency(BenchContext context, String topic, int records, int run) {
        Recorder recorder = new Recorder(MAX_MICROS, 3);
        FunctionDefinition function = context.function("bench-lat-" + topic + "-" + run, null)
                .input(topic)
                .handler((event, ctx) -> recorder.recordValue(sinceSent(event.value())))
                .build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            BenchContext.awaitCount(running::assignedPartitions, PARTITIONS, "assigned partitions");
            produce(context, topic, records);
            BenchContext.awaitCount(() -> running.stats().processed(), records, "handled records");
        }
        return recorder.getIntervalHistogram();
    }

    private static Histogram rawLatency(BenchContext context, String topic, int records, int run) {
        Recorder recorder = new Recorder(MAX_MICROS, 3);
        Thread producer;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientConfigs.consumer(
                context.engineConfig(), "bench-lat-raw-" + topic + "-" + run, "bench-raw"))) {
            consumer.subscribe(List.of(topic));
            while (consumer.assignment().size() < PARTITIONS) {
                consumer.poll(Duration.ofMillis(50)); // joining the group; the topic is still empty
            }
            producer = Thread.ofPlatform().name("bench-lat-producer").start(() -> produce(context, topic, records));
            long seen = 0;
            while (seen < records) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    recorder.recordValue(sinceSent(record.value()));
                    seen++;
                }
            }
        }
        try {
            producer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return recorder.getIntervalHistogram();
    }

    /** Sends {@code records} records at {@link #RATE} a second, each holding {@link System#nanoTime()} at sending. */
    static void produce(BenchContext context, String topic, int records) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                ClientConfigs.producer(context.engineConfig(), "bench-lat-producer"))) {
            producer.partitionsFor(topic);
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                long due = start + (long) (i * 1e9 / RATE);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing the load
                }
                byte[] key = ("key-" + (i % 1000)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, ByteBuffer.allocate(8).putLong(System.nanoTime()).array()));
            }
        }
    }

    static long sinceSent(byte[] value) {
        long micros = (System.nanoTime() - ByteBuffer.wrap(value).getLong()) / 1000;
        return Math.max(0, Math.min(micros, MAX_MICROS));
    }
}
