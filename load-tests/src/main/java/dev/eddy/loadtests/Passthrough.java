package dev.eddy.loadtests;

import dev.eddy.engine.Engine;
import dev.eddy.engine.FunctionDefinition;
import dev.eddy.engine.RunningFunction;
import dev.eddy.engine.kafka.ClientConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code passthrough}: pre-produced records through a handler that emits each one to an output topic, against a
 * raw consume→produce loop with the same consumer and producer settings, both timed until Kafka acknowledged the
 * last output.
 */
final class Passthrough extends Scenario {

    Passthrough() {
        super("passthrough",
                "handler emitting every record vs a raw consume→produce loop, same settings, same run",
                0.85);
    }

    @Override
    public ScenarioResult run(BenchContext context) throws Exception {
        int records = context.records();
        String input = context.fill("bench-pass-in", DispatchNoop.PARTITIONS, records, DispatchNoop.VALUE_BYTES,
                DispatchNoop.KEYS);
        Throughput eddy = new Throughput("Eddy: handler emits each record");
        Throughput raw = new Throughput("raw consume→produce loop");
        Runs.alternate(context, records,
                raw, run -> rawPassthrough(context, input,
                        context.newTopic("bench-pass-raw-out", DispatchNoop.PARTITIONS), records, run),
                eddy, run -> eddyPassthrough(context, input,
                        context.newTopic("bench-pass-eddy-out", DispatchNoop.PARTITIONS), records, run));
        return new ScenarioResult(eddy.figures(), raw.figures(), eddy.median() / raw.median(),
                Map.of("partitions", DispatchNoop.PARTITIONS, "value_bytes", DispatchNoop.VALUE_BYTES,
                        "keys", DispatchNoop.KEYS));
    }

    /** Nanoseconds from the first record polled to the last output acknowledged. */
    private static long rawPassthrough(BenchContext context, String input, String output, int records, int run) {
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long seen = 0;
        long start = 0;
        long lastCommit = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientConfigs.consumer(
                    context.engineConfig(), "bench-raw-pass-" + input + "-" + run, "bench-raw"));
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        ClientConfigs.producer(context.engineConfig(), "bench-raw"))) {
            consumer.subscribe(List.of(input));
            while (seen < records) {
                var polled = consumer.poll(Duration.ofMillis(100));
                if (start == 0 && !polled.isEmpty()) {
                    start = System.nanoTime();
                }
                for (ConsumerRecord<byte[], byte[]> record : polled) {
                    seen++;
                    producer.send(new ProducerRecord<>(output, record.key(), record.value()), (metadata, error) -> {
                        if (error == null) {
                            acknowledged.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    });
                }
                if (System.nanoTime() - lastCommit > 1_000_000_000L) {
                    consumer.commitAsync();
                    lastCommit = System.nanoTime();
                }
            }
            long end = BenchContext.awaitCount(() -> acknowledged.get() + failed.get(), records, "raw outputs");
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " raw outputs failed");
            }
            return end - start;
        }
    }

    /** Nanoseconds from the first handler call to the last output acknowledged. */
    static long eddyPassthrough(BenchContext context, String input, String output, int records, int run) {
        AtomicLong first = new AtomicLong();
        FunctionDefinition function = context.function("bench-pass-" + input + "-" + run, null)
                .input(input)
                .output(output)
                .handler((event, ctx) -> {
                    if (first.get() == 0) {
                        first.compareAndSet(0, System.nanoTime());
                    }
                    ctx.emit(event);
                })
                .build();
        try (Engine engine = new Engine(context.engineConfig(), new SimpleMeterRegistry())) {
            RunningFunction running = engine.deploy(function);
            long end = BenchContext.awaitCount(() -> running.stats().emitted(), records, "emitted records");
            return end - first.get();
        }
    }
}
